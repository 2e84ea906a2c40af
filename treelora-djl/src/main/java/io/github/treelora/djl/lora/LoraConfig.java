package io.github.treelora.djl.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Immutable LoRA adapter configuration, modelled on PEFT's {@code LoraConfig}.
 *
 * <p>Targets are either a set of module names or one regular expression (exactly one of the two):
 * <ul>
 *   <li>{@link Builder#targetModules(String...)}: a name matches a module path equal to it or ending with
 *       {@code "." + name} (PEFT's list semantics: {@code "query"} matches
 *       {@code encoder.layer.0.attention.attention.query});</li>
 *   <li>{@link Builder#targetRegex(String)}: the regex must match the whole path (PEFT's single-string
 *       semantics, {@code re.fullmatch}).</li>
 * </ul>
 * {@link Builder#layersToTransform(int...)} further restricts matches to modules whose layer index is
 * listed; the layer index is the integer path segment right after a segment named in
 * {@link Builder#layersPattern(String...)} (default {@code layer}, {@code layers}, {@code h}). A module
 * without such a segment is not matched when layers are restricted.
 *
 * <p>Per-module overrides ({@link Builder#rankPattern(Map)}, {@link Builder#alphaPattern(Map)}) are keyed by
 * a module name or path suffix with the same rule as targets; when several keys match a path the longest
 * key wins (the most specific one; PEFT takes the first match, which is order dependent).
 *
 * <p>Scaling is {@code alpha / r}, or {@code alpha / sqrt(r)} with {@link Builder#useRsLora(boolean)}.
 * {@link Builder#useDora(boolean)} makes the adapters DoRA ({@link Dora}) instead of plain LoRA. What one module
 * gets is {@link #specFor(String)}.
 */
public final class LoraConfig {

    /** Layer-list segment names used when none are given (Hugging Face BERT/ViT, LLaMA, GPT-2). */
    public static final List<String> DEFAULT_LAYERS_PATTERN = List.of("layer", "layers", "h");

    private final int rank;
    private final double alpha;
    private final double dropout;
    private final Set<String> targetModules;
    private final String targetRegex;
    private final Pattern compiledRegex;
    private final Set<Integer> layersToTransform;
    private final List<String> layersPattern;
    private final Map<String, Integer> rankPattern;
    private final Map<String, Double> alphaPattern;
    private final LoraInit init;
    private final boolean useRsLora;
    private final LoraVariant variant;

    private LoraConfig(Builder b) {
        AdapterSpec.checkRank(b.rank, "LoRA rank r");
        AdapterSpec.checkAlpha(b.alpha, "LoRA alpha");
        AdapterSpec.checkDropout(b.dropout);
        boolean hasNames = !b.targetModules.isEmpty();
        boolean hasRegex = b.targetRegex != null;
        if (hasNames == hasRegex) {
            throw new IllegalArgumentException(hasNames
                    ? "give either targetModules or targetRegex, not both"
                    : "LoRA targets are empty: set targetModules (e.g. \"query\", \"value\") or targetRegex");
        }
        for (String t : b.targetModules) {
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("targetModules contains a blank name: " + b.targetModules);
            }
        }
        if (hasRegex) {
            try {
                compiledRegex = Pattern.compile(b.targetRegex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("targetRegex is not a valid regular expression: "
                        + b.targetRegex, e);
            }
        } else {
            compiledRegex = null;
        }
        for (int layer : b.layersToTransform) {
            if (layer < 0) {
                throw new IllegalArgumentException("layersToTransform must be >= 0, got " + layer);
            }
        }
        if (b.layersPattern.isEmpty()) {
            throw new IllegalArgumentException("layersPattern must not be empty");
        }
        b.rankPattern.forEach((k, v) -> AdapterSpec.checkRank(v, "rankPattern[" + k + "]"));
        b.alphaPattern.forEach((k, v) -> AdapterSpec.checkAlpha(v, "alphaPattern[" + k + "]"));
        this.rank = b.rank;
        this.alpha = b.alpha;
        this.dropout = b.dropout;
        this.targetModules = Collections.unmodifiableSet(new LinkedHashSet<>(b.targetModules));
        this.targetRegex = b.targetRegex;
        this.layersToTransform = Collections.unmodifiableSet(new TreeSet<>(b.layersToTransform));
        this.layersPattern = List.copyOf(b.layersPattern);
        this.rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(b.rankPattern));
        this.alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(b.alphaPattern));
        this.init = Objects.requireNonNull(b.init, "init");
        this.useRsLora = b.useRsLora;
        this.variant = Objects.requireNonNull(b.variant, "variant");
    }

    /**
     * Starts a builder with PEFT's defaults (r 8, alpha 8, dropout 0, Kaiming-uniform init) and no targets.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder initialised with this configuration's values, for deriving a modified copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.rank = rank;
        b.alpha = alpha;
        b.dropout = dropout;
        b.targetModules.addAll(targetModules);
        b.targetRegex = targetRegex;
        b.layersToTransform.addAll(layersToTransform);
        b.layersPattern = new ArrayList<>(layersPattern);
        b.rankPattern.putAll(rankPattern);
        b.alphaPattern.putAll(alphaPattern);
        b.init = init;
        b.useRsLora = useRsLora;
        b.variant = variant;
        return b;
    }

    /** @return the default rank r */
    public int rank() {
        return rank;
    }

    /** @return the default alpha */
    public double alpha() {
        return alpha;
    }

    /** @return the dropout probability applied to the adapter's input during training */
    public double dropout() {
        return dropout;
    }

    /** @return target module names (suffix match), empty when a regex is used */
    public Set<String> targetModules() {
        return targetModules;
    }

    /** @return the full-match target regex, or {@code null} when target names are used */
    public String targetRegex() {
        return targetRegex;
    }

    /** @return the layer indices to adapt; empty means all layers */
    public Set<Integer> layersToTransform() {
        return layersToTransform;
    }

    /** @return the segment names after which the layer index is read */
    public List<String> layersPattern() {
        return layersPattern;
    }

    /** @return per-module rank overrides (key: module name or path suffix) */
    public Map<String, Integer> rankPattern() {
        return rankPattern;
    }

    /** @return per-module alpha overrides (key: module name or path suffix) */
    public Map<String, Double> alphaPattern() {
        return alphaPattern;
    }

    /** @return how new adapter matrices are initialised */
    public LoraInit init() {
        return init;
    }

    /** @return whether scaling is {@code alpha / sqrt(r)} (rank-stabilised LoRA) instead of {@code alpha / r} */
    public boolean useRsLora() {
        return useRsLora;
    }

    /** @return whether the adapters are DoRA ({@link Dora}) instead of plain LoRA (PEFT {@code use_dora}) */
    public boolean useDora() {
        return variant == Dora.INSTANCE;
    }

    /** @return the variant every adapted module gets ({@link PlainLora#INSTANCE} unless set) */
    public LoraVariant variant() {
        return variant;
    }

    /**
     * What one module's adapter gets: rank and alpha with the patterns applied, dropout, init, rsLoRA, variant.
     *
     * @param path a dotted module path
     * @return the spec
     */
    public AdapterSpec specFor(String path) {
        return new AdapterSpec(rankFor(path), alphaFor(path), dropout, init, useRsLora, variant());
    }

    /**
     * Whether {@code target} names the module at {@code path}: equal, or {@code path} ends with
     * {@code "." + target}.
     *
     * @param target a module name or dotted path suffix
     * @param path a dotted module path
     * @return true on a match
     */
    public static boolean suffixMatches(String target, String path) {
        return path.equals(target) || path.endsWith("." + target);
    }

    /**
     * The targets (names, or the regex) that select {@code path}, ignoring {@link #layersToTransform()}.
     *
     * @param path a dotted module path
     * @return the matching target strings; empty when none match
     */
    public List<String> targetsMatching(String path) {
        if (compiledRegex != null) {
            return compiledRegex.matcher(path).matches() ? List.of(targetRegex) : List.of();
        }
        List<String> hits = new ArrayList<>();
        for (String t : targetModules) {
            if (suffixMatches(t, path)) {
                hits.add(t);
            }
        }
        return hits;
    }

    /**
     * Whether the module at {@code path} is adapted: a target matches it and, when layers are restricted,
     * its layer index is listed.
     *
     * @param path a dotted module path
     * @return true if this configuration adapts the module
     */
    public boolean isTargeted(String path) {
        return !targetsMatching(path).isEmpty() && isLayerSelected(path);
    }

    /**
     * Whether {@code path} passes the {@link #layersToTransform()} filter.
     *
     * @param path a dotted module path
     * @return true when no layers are listed, or the path's layer index is listed
     */
    public boolean isLayerSelected(String path) {
        if (layersToTransform.isEmpty()) {
            return true;
        }
        OptionalInt layer = layerIndex(path);
        return layer.isPresent() && layersToTransform.contains(layer.getAsInt());
    }

    /**
     * The layer index of a module: the integer segment right after the first segment named in
     * {@link #layersPattern()}.
     *
     * @param path a dotted module path such as {@code encoder.layer.3.attention.attention.query}
     * @return the index (3 in the example), or empty when the path has no layer-list segment
     */
    public OptionalInt layerIndex(String path) {
        String[] parts = path.split("\\.");
        for (int i = 0; i + 1 < parts.length; i++) {
            if (layersPattern.contains(parts[i]) && isNonNegativeInteger(parts[i + 1])) {
                return OptionalInt.of(Integer.parseInt(parts[i + 1]));
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The rank for one module: the longest matching {@link #rankPattern()} key's value, else {@link #rank()}.
     *
     * @param path a dotted module path
     * @return the rank r for that module
     */
    public int rankFor(String path) {
        String key = longestMatchingKey(rankPattern.keySet(), path);
        return key == null ? rank : rankPattern.get(key);
    }

    /**
     * The alpha for one module: the longest matching {@link #alphaPattern()} key's value, else {@link #alpha()}.
     *
     * @param path a dotted module path
     * @return alpha for that module
     */
    public double alphaFor(String path) {
        String key = longestMatchingKey(alphaPattern.keySet(), path);
        return key == null ? alpha : alphaPattern.get(key);
    }

    /**
     * The LoRA scaling {@code s} of one module (output is {@code base + s * B A x}).
     *
     * @param path a dotted module path
     * @return {@code alphaFor(path) / rankFor(path)}, or over {@code sqrt(rank)} with rsLoRA
     */
    public double scalingFor(String path) {
        return specFor(path).scaling();
    }

    private static String longestMatchingKey(Collection<String> keys, String path) {
        String best = null;
        for (String k : keys) {
            if (suffixMatches(k, path) && (best == null || k.length() > best.length())) {
                best = k;
            }
        }
        return best;
    }

    private static boolean isNonNegativeInteger(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LoraConfig)) {
            return false;
        }
        LoraConfig c = (LoraConfig) o;
        return rank == c.rank && Double.compare(alpha, c.alpha) == 0 && Double.compare(dropout, c.dropout) == 0
                && useRsLora == c.useRsLora && variant == c.variant && targetModules.equals(c.targetModules)
                && Objects.equals(targetRegex, c.targetRegex) && layersToTransform.equals(c.layersToTransform)
                && layersPattern.equals(c.layersPattern) && rankPattern.equals(c.rankPattern)
                && alphaPattern.equals(c.alphaPattern) && init == c.init;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rank, alpha, dropout, targetModules, targetRegex, layersToTransform, layersPattern,
                rankPattern, alphaPattern, init, useRsLora, variant.id());
    }

    @Override
    public String toString() {
        return "LoraConfig{r=" + rank + ", alpha=" + alpha + ", dropout=" + dropout
                + (targetRegex != null ? ", targetRegex=" + targetRegex : ", targetModules=" + targetModules)
                + (layersToTransform.isEmpty() ? "" : ", layersToTransform=" + layersToTransform)
                + (rankPattern.isEmpty() ? "" : ", rankPattern=" + rankPattern)
                + (alphaPattern.isEmpty() ? "" : ", alphaPattern=" + alphaPattern)
                + ", init=" + init + (useRsLora ? ", rsLoRA" : "")
                + (variant == PlainLora.INSTANCE ? "" : ", " + variant) + "}";
    }

    /** Mutable builder; {@link #build()} validates and returns an immutable {@link LoraConfig}. */
    public static final class Builder {
        private int rank = 8;
        private double alpha = 8;
        private double dropout = 0;
        private final Set<String> targetModules = new LinkedHashSet<>();
        private String targetRegex;
        private final Set<Integer> layersToTransform = new LinkedHashSet<>();
        private List<String> layersPattern = new ArrayList<>(DEFAULT_LAYERS_PATTERN);
        private final Map<String, Integer> rankPattern = new LinkedHashMap<>();
        private final Map<String, Double> alphaPattern = new LinkedHashMap<>();
        private LoraInit init = LoraInit.KAIMING_UNIFORM;
        private boolean useRsLora;
        private LoraVariant variant = PlainLora.INSTANCE;

        private Builder() {
        }

        /**
         * @param r the rank (PEFT {@code r}), at least 1
         * @return this builder
         */
        public Builder rank(int r) {
            this.rank = r;
            return this;
        }

        /**
         * @param alpha PEFT {@code lora_alpha}, greater than 0
         * @return this builder
         */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /**
         * @param dropout PEFT {@code lora_dropout}, in [0, 1)
         * @return this builder
         */
        public Builder dropout(double dropout) {
            this.dropout = dropout;
            return this;
        }

        /**
         * Replaces the target names (suffix match); clears any regex target.
         *
         * @param names module names or dotted path suffixes, e.g. {@code "query", "value"}
         * @return this builder
         */
        public Builder targetModules(String... names) {
            return targetModules(List.of(names));
        }

        /**
         * Replaces the target names (suffix match); clears any regex target.
         *
         * @param names module names or dotted path suffixes
         * @return this builder
         */
        public Builder targetModules(Collection<String> names) {
            targetModules.clear();
            targetModules.addAll(names);
            targetRegex = null;
            return this;
        }

        /**
         * Sets a full-match regular expression target (PEFT's single-string form); clears target names.
         *
         * @param regex e.g. {@code .*\.layer\.[0-5]\..*\.(query|value)}
         * @return this builder
         */
        public Builder targetRegex(String regex) {
            targetRegex = Objects.requireNonNull(regex, "regex");
            targetModules.clear();
            return this;
        }

        /**
         * Restricts adaptation to these layer indices (empty: all layers).
         *
         * @param layers layer indices, each at least 0
         * @return this builder
         */
        public Builder layersToTransform(int... layers) {
            layersToTransform.clear();
            for (int l : layers) {
                layersToTransform.add(l);
            }
            return this;
        }

        /**
         * Segment names after which the layer index is read (PEFT {@code layers_pattern}).
         *
         * @param names e.g. {@code "layer"} for {@code encoder.layer.3...}
         * @return this builder
         */
        public Builder layersPattern(String... names) {
            layersPattern = new ArrayList<>(List.of(names));
            return this;
        }

        /**
         * Per-module rank overrides (PEFT {@code rank_pattern}); replaces earlier entries.
         *
         * @param pattern module name or path suffix to rank
         * @return this builder
         */
        public Builder rankPattern(Map<String, Integer> pattern) {
            rankPattern.clear();
            rankPattern.putAll(pattern);
            return this;
        }

        /**
         * Per-module alpha overrides (PEFT {@code alpha_pattern}); replaces earlier entries.
         *
         * @param pattern module name or path suffix to alpha
         * @return this builder
         */
        public Builder alphaPattern(Map<String, Double> pattern) {
            alphaPattern.clear();
            alphaPattern.putAll(pattern);
            return this;
        }

        /**
         * @param init how A and B start
         * @return this builder
         */
        public Builder init(LoraInit init) {
            this.init = init;
            return this;
        }

        /**
         * @param useRsLora scale by {@code alpha / sqrt(r)} instead of {@code alpha / r}
         * @return this builder
         */
        public Builder useRsLora(boolean useRsLora) {
            this.useRsLora = useRsLora;
            return this;
        }

        /**
         * @param useDora make the adapters DoRA ({@link Dora}: a trainable magnitude per output row) instead of plain
         *     LoRA (PEFT {@code use_dora})
         * @return this builder
         */
        public Builder useDora(boolean useDora) {
            return variant(useDora ? Dora.INSTANCE : PlainLora.INSTANCE);
        }

        /**
         * @param variant what every adapted module's adapter computes ({@link PlainLora#INSTANCE} by default)
         * @return this builder
         */
        public Builder variant(LoraVariant variant) {
            this.variant = variant;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the immutable configuration
         * @throws IllegalArgumentException naming the invalid field (rank &lt; 1, alpha &lt;= 0, dropout outside
         *     [0, 1), no targets, bad regex, negative layer)
         */
        public LoraConfig build() {
            return new LoraConfig(this);
        }
    }
}
