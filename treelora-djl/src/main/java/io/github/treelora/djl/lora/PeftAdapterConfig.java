package io.github.treelora.djl.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The contents of a PEFT {@code adapter_config.json} for a LoRA adapter: the {@link LoraConfig} plus PEFT's
 * descriptive fields.
 *
 * <p>{@link #toJson()} writes what PEFT's {@code LoraConfig.save_pretrained} writes (all fields of its
 * {@code LoraConfig} dataclass that plain LoRA uses, keys sorted, two-space indent, as Python's
 * {@code json.dumps(..., indent=2, sort_keys=True)}), with {@code inference_mode} as given (PEFT saves
 * {@code true}). Field mapping: {@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules} (a
 * list of names, or one string for a full-match regex), {@code layers_to_transform}, {@code layers_pattern}
 * ({@code null} for this project's default {@link LoraConfig#DEFAULT_LAYERS_PATTERN}), {@code rank_pattern},
 * {@code alpha_pattern}, {@code use_rslora}, {@code init_lora_weights} ({@code true} for
 * {@link LoraInit#KAIMING_UNIFORM}, {@code "gaussian"} for {@link LoraInit#GAUSSIAN}), {@code use_dora}; the rest
 * have the values of plain LoRA ({@code "bias": "none"}, {@code "fan_in_fan_out": false},
 * {@code "modules_to_save": null}, ...). Fields that PEFT added after 0.13 ({@code exclude_modules},
 * {@code lora_bias}, ...) are left out while they have their default value, as PEFT 0.13's own files lack them:
 * PEFT 0.13 refuses a configuration with a field it does not know, newer versions fill the default.
 *
 * <p>{@link #fromJson(String, String)} ignores fields it does not know (PEFT adds fields in new versions), and
 * rejects, naming the field, values that would change what the adapter computes and that this project does
 * not implement: a {@code peft_type} other than {@code LORA}, {@code fan_in_fan_out: true},
 * {@code bias} other than {@code "none"}, {@code lora_bias}, {@code modules_to_save},
 * {@code layer_replication}, {@code exclude_modules}, {@code target_parameters}, {@code trainable_token_indices},
 * {@code use_qalora}, {@code alora_invocation_tokens}, a non-empty {@code loftq_config},
 * {@code init_lora_weights} modes that rewrite the base weights (PiSSA, OLoRA, LoftQ, CorDA, ...), the
 * {@code "all-linear"} shortcut, and {@code rank_pattern}/{@code alpha_pattern} keys that are regular
 * expressions rather than module names.
 *
 * @param lora targets and hyper-parameters
 * @param taskType PEFT's {@code task_type} (for example {@code "CAUSAL_LM"}, {@code "FEATURE_EXTRACTION"}), or
 *     null
 * @param baseModelNameOrPath PEFT's {@code base_model_name_or_path}, or null
 * @param revision PEFT's {@code revision} of the base model, or null
 * @param inferenceMode PEFT's {@code inference_mode}
 */
public record PeftAdapterConfig(LoraConfig lora, String taskType, String baseModelNameOrPath, String revision,
        boolean inferenceMode) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII) // Python's json.dumps escapes non-ASCII by default
            .build();
    private static final Pattern LITERAL_NAME = Pattern.compile("[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*");

    /**
     * Validates the components.
     *
     * @param lora targets and hyper-parameters
     * @param taskType task type or null
     * @param baseModelNameOrPath base model or null
     * @param revision base model revision or null
     * @param inferenceMode inference mode flag
     */
    public PeftAdapterConfig {
        Objects.requireNonNull(lora, "lora");
    }

    /**
     * A configuration as PEFT saves it: no task type, base model or revision, {@code inference_mode} true.
     *
     * @param lora targets and hyper-parameters
     * @return the configuration
     */
    public static PeftAdapterConfig of(LoraConfig lora) {
        return new PeftAdapterConfig(lora, null, null, null, true);
    }

    /**
     * The {@code adapter_config.json} text, as PEFT writes it.
     *
     * @return JSON text without a trailing newline
     */
    public String toJson() {
        if (!lora.useDora() && lora.variant() != PlainLora.INSTANCE) {
            throw new IllegalArgumentException("PEFT's LoraConfig can describe LoRA and DoRA adapters, not "
                    + lora.variant());
        }
        Map<String, Object> m = new TreeMap<>();
        m.put("alpha_pattern", new TreeMap<>(lora.alphaPattern()));
        m.put("auto_mapping", null);
        m.put("base_model_name_or_path", baseModelNameOrPath);
        m.put("bias", "none");
        m.put("fan_in_fan_out", false);
        m.put("inference_mode", inferenceMode);
        m.put("init_lora_weights", lora.init() == LoraInit.GAUSSIAN ? "gaussian" : (Object) Boolean.TRUE);
        m.put("layer_replication", null);
        m.put("layers_pattern", lora.layersPattern().equals(LoraConfig.DEFAULT_LAYERS_PATTERN) ? null
                : lora.layersPattern());
        m.put("layers_to_transform", lora.layersToTransform().isEmpty() ? null
                : new ArrayList<>(lora.layersToTransform()));
        m.put("loftq_config", Map.of());
        m.put("lora_alpha", number(lora.alpha()));
        m.put("lora_dropout", lora.dropout());
        m.put("megatron_config", null);
        m.put("megatron_core", "megatron.core");
        m.put("modules_to_save", null);
        m.put("peft_type", "LORA");
        m.put("r", lora.rank());
        m.put("rank_pattern", new TreeMap<>(lora.rankPattern()));
        m.put("revision", revision);
        m.put("target_modules", lora.targetRegex() != null ? lora.targetRegex()
                : new ArrayList<>(lora.targetModules()));
        m.put("task_type", taskType);
        m.put("use_dora", lora.useDora());
        m.put("use_rslora", lora.useRsLora());
        StringBuilder sb = new StringBuilder();
        writePython(sb, m, "");
        return sb.toString();
    }

    /**
     * Parses an {@code adapter_config.json}.
     *
     * @param json the file's text
     * @param source where it came from, for messages (a file path)
     * @return the configuration
     * @throws IllegalArgumentException naming {@code source} and the field, for malformed JSON, a missing or
     *     invalid field, or a field value that changes semantics and is not supported (see the class comment)
     */
    public static PeftAdapterConfig fromJson(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        Reader r = new Reader(root, source);
        String peftType = r.text("peft_type", null);
        if (!"LORA".equals(peftType)) {
            throw r.error("peft_type", "is " + (peftType == null ? "missing" : "\"" + peftType + "\"")
                    + "; only LORA adapters are supported");
        }
        r.requireDefault("fan_in_fan_out", "fan_in_fan_out true means weights stored [in, out] (GPT-2 Conv1D)");
        r.requireDefault("lora_bias", "lora_bias adds a trainable bias to lora_B");
        r.requireDefault("use_qalora", "QA-LoRA pools the adapter input");
        String bias = r.text("bias", "none");
        if (!bias.equals("none")) {
            throw r.error("bias", "is \"" + bias + "\"; only \"none\" is supported (trained biases would be saved "
                    + "and loaded with the adapter)");
        }
        for (String f : List.of("modules_to_save", "layer_replication", "exclude_modules", "target_parameters",
                "trainable_token_indices", "alora_invocation_tokens", "megatron_config")) {
            r.requireNullOrEmpty(f);
        }
        r.requireNullOrEmpty("loftq_config");

        LoraConfig.Builder b = LoraConfig.builder();
        b.rank(r.positiveInt("r"));
        b.alpha(r.number("lora_alpha", 8));
        b.dropout(r.number("lora_dropout", 0));
        JsonNode targets = root.get("target_modules");
        if (targets == null || targets.isNull()) {
            throw r.error("target_modules", "is missing; PEFT fills it from the model type, this loader needs it "
                    + "written out");
        } else if (targets.isTextual()) {
            if (targets.asText().equals("all-linear")) {
                throw r.error("target_modules", "\"all-linear\" is not supported: list the module names");
            }
            b.targetRegex(targets.asText());
        } else if (targets.isArray()) {
            b.targetModules(r.strings("target_modules", targets));
        } else {
            throw r.error("target_modules", "must be a list of module names or a regex string, got " + targets);
        }
        JsonNode layers = root.get("layers_to_transform");
        if (layers != null && !layers.isNull()) {
            List<Integer> list = new ArrayList<>();
            if (layers.isInt()) {
                list.add(layers.asInt());
            } else if (layers.isArray()) {
                for (JsonNode n : layers) {
                    if (!n.isInt()) {
                        throw r.error("layers_to_transform", "must hold integers, got " + n);
                    }
                    list.add(n.asInt());
                }
            } else {
                throw r.error("layers_to_transform", "must be an integer or a list of integers, got " + layers);
            }
            b.layersToTransform(list.stream().mapToInt(Integer::intValue).toArray());
        }
        JsonNode pattern = root.get("layers_pattern");
        if (pattern != null && !pattern.isNull()) {
            List<String> names = pattern.isTextual() ? List.of(pattern.asText()) : r.strings("layers_pattern", pattern);
            if (!names.isEmpty()) {
                b.layersPattern(names.toArray(new String[0]));
            }
        }
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        r.patternEntries("rank_pattern").forEach((k, v) -> {
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                throw r.error("rank_pattern", "value for \"" + k + "\" must be an integer, got " + v);
            }
            rankPattern.put(k, v.asInt());
        });
        b.rankPattern(rankPattern);
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        r.patternEntries("alpha_pattern").forEach((k, v) -> {
            if (!v.isNumber()) {
                throw r.error("alpha_pattern", "value for \"" + k + "\" must be a number, got " + v);
            }
            alphaPattern.put(k, v.asDouble());
        });
        b.alphaPattern(alphaPattern);
        b.useRsLora(r.bool("use_rslora", false));
        b.useDora(r.bool("use_dora", false));
        JsonNode init = root.get("init_lora_weights");
        if (init == null || init.isNull() || init.isBoolean()) {
            // false (A and B both random) only matters when an adapter is created for training; loaded weights
            // replace the initial values, so both booleans map to PEFT's default.
            b.init(LoraInit.KAIMING_UNIFORM);
        } else if (init.isTextual() && init.asText().equals("gaussian")) {
            b.init(LoraInit.GAUSSIAN);
        } else {
            throw r.error("init_lora_weights", "is " + init + "; supported: true, false, \"gaussian\" (other modes "
                    + "such as PiSSA, OLoRA, LoftQ or CorDA change the base weights, which this loader does not do)");
        }
        LoraConfig lora;
        try {
            lora = b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        return new PeftAdapterConfig(lora, r.text("task_type", null), r.text("base_model_name_or_path", null),
                r.text("revision", null), r.bool("inference_mode", false));
    }

    /** Field access with messages that name the source and the field. */
    private static final class Reader {
        private final JsonNode root;
        private final String source;

        Reader(JsonNode root, String source) {
            this.root = root;
            this.source = source;
        }

        IllegalArgumentException error(String field, String problem) {
            return new IllegalArgumentException(source + ": field \"" + field + "\" " + problem);
        }

        /**
         * An optional field: {@code fallback} when absent or null, else its value if {@code kind} accepts it.
         *
         * @param expected what the field must be, for the message, e.g. {@code a string}
         */
        <T> T optional(String field, T fallback, Predicate<JsonNode> kind, String expected,
                Function<JsonNode, T> value) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!kind.test(n)) {
                throw error(field, "must be " + expected + ", got " + n);
            }
            return value.apply(n);
        }

        String text(String field, String fallback) {
            return optional(field, fallback, JsonNode::isTextual, "a string", JsonNode::asText);
        }

        boolean bool(String field, boolean fallback) {
            return optional(field, fallback, JsonNode::isBoolean, "true or false", JsonNode::asBoolean);
        }

        double number(String field, double fallback) {
            return optional(field, fallback, JsonNode::isNumber, "a number", JsonNode::asDouble);
        }

        int positiveInt(String field) {
            JsonNode n = root.get(field);
            if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
                throw error(field, "must be an integer >= 1, got " + n);
            }
            return n.asInt();
        }

        List<String> strings(String field, JsonNode array) {
            if (!array.isArray()) {
                throw error(field, "must be a list of strings, got " + array);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode n : array) {
                if (!n.isTextual()) {
                    throw error(field, "must hold strings, got " + n);
                }
                out.add(n.asText());
            }
            return out;
        }

        void requireDefault(String field, String why) {
            if (bool(field, false)) {
                throw error(field, "is true, which is not supported (" + why + ")");
            }
        }

        void requireNullOrEmpty(String field) {
            JsonNode n = root.get(field);
            if (n != null && !n.isNull() && !((n.isArray() || n.isObject()) && n.isEmpty())) {
                throw error(field, "is " + n + "; only null (or empty) is supported, the adapter would need "
                        + "weights or behaviour this loader does not implement");
            }
        }

        Map<String, JsonNode> patternEntries(String field) {
            JsonNode n = root.get(field);
            Map<String, JsonNode> out = new LinkedHashMap<>();
            if (n == null || n.isNull()) {
                return out;
            }
            if (!n.isObject()) {
                throw error(field, "must be an object, got " + n);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!LITERAL_NAME.matcher(e.getKey()).matches()) {
                    throw error(field, "key \"" + e.getKey() + "\" is a regular expression; only module names "
                            + "or dotted path suffixes are supported");
                }
                out.put(e.getKey(), e.getValue());
            }
            return out;
        }
    }

    /** An integral alpha as an int (as PEFT users usually write it), otherwise a float. */
    private static Object number(double v) {
        return v == Math.rint(v) && Math.abs(v) < Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
    }

    /** Writes {@code value} the way Python's {@code json.dumps(value, indent=2, sort_keys=True)} does. */
    private static void writePython(StringBuilder sb, Object value, String indent) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                sb.append("{}");
                return;
            }
            String inner = indent + "  ";
            sb.append("{\n");
            boolean first = true;
            for (Map.Entry<?, ?> e : new TreeMap<>(map).entrySet()) {
                sb.append(first ? "" : ",\n").append(inner).append(quote(e.getKey().toString())).append(": ");
                writePython(sb, e.getValue(), inner);
                first = false;
            }
            sb.append('\n').append(indent).append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                sb.append("[]");
                return;
            }
            String inner = indent + "  ";
            sb.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ",\n").append(inner);
                writePython(sb, list.get(i), inner);
            }
            sb.append('\n').append(indent).append(']');
        } else if (value == null) {
            sb.append("null");
        } else if (value instanceof String s) {
            sb.append(quote(s));
        } else if (value instanceof Double d) {
            sb.append(pythonFloat(d));
        } else {
            sb.append(value); // Boolean, Integer
        }
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Python's {@code repr(float)}: shortest digits, plain from 1e-4 to below 1e16, else {@code 1.5e-05}. */
    static String pythonFloat(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("not a finite number: " + d);
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        double abs = Math.abs(d);
        if (abs >= 1e-4 && abs < 1e16) {
            String plain = exact.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + String.format("%02d", Math.abs(exponent));
    }
}
