package io.github.treelora.djl.lora;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import io.github.treelora.djl.models.ModuleContainer;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces a child of a plain DJL block (one that does not implement {@link ModuleContainer}).
 *
 * <p>DJL has no public API for this: {@link AbstractBlock}'s {@code children} list is protected and
 * {@code getChildren()} returns a copy, and DJL's built-in blocks (for example
 * {@code ScaledDotProductAttentionBlock}) call their children through private fields. This class is the only
 * place in the project that uses reflection on DJL internals: it swaps the entry in {@code children} (which
 * {@link ai.djl.nn.SequentialBlock} iterates and {@code getParameters()} reads) and every field of the parent
 * (and its superclasses below {@code AbstractBlock}) that holds the old child, directly or in a {@link List}.
 * It was checked against DJL 0.35.1; if DJL's internals change, {@link #plan} fails with an
 * {@link IllegalStateException} that says so, before anything is modified.
 */
final class DjlChildReplacer {

    private DjlChildReplacer() {
    }

    /** A checked replacement, ready to apply. */
    static final class Plan {
        private final AbstractBlock parent;
        private final int index;
        private final String key;
        private final Block old;
        private final BlockList children;
        private final List<Field> fields;
        private final List<List<Object>> lists;

        private Plan(AbstractBlock parent, int index, String key, Block old, BlockList children, List<Field> fields,
                List<List<Object>> lists) {
            this.parent = parent;
            this.index = index;
            this.key = key;
            this.old = old;
            this.children = children;
            this.fields = fields;
            this.lists = lists;
        }

        /**
         * Puts {@code replacement} where the old child was.
         *
         * @param replacement the new child; its type was checked by {@link #plan}
         */
        void apply(Block replacement) {
            swap(old, replacement);
        }

        /**
         * Puts the old child back (after {@link #apply}).
         *
         * @param replacement the block that {@link #apply} installed
         */
        void revert(Block replacement) {
            swap(replacement, old);
        }

        private void swap(Block from, Block to) {
            if (children.valueAt(index) != from) {
                throw new IllegalStateException("child " + key + " of " + parent.getClass().getSimpleName()
                        + " changed since the replacement was planned");
            }
            children.remove(index);
            children.add(index, key, to);
            try {
                for (Field f : fields) {
                    f.set(parent, to);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot write field of " + parent.getClass().getName(), e);
            }
            for (List<Object> list : lists) {
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i) == from) {
                        list.set(i, to);
                    }
                }
            }
        }
    }

    /**
     * Checks that the child at {@code index} of {@code parent} can be replaced by a block of type
     * {@code replacementType}, without modifying anything.
     *
     * @param parent the DJL block holding the child
     * @param index the child's position in {@code parent.getChildren()}
     * @param old the child currently there
     * @param replacementType the class of the future replacement
     * @return a plan to {@link Plan#apply} later
     * @throws IllegalArgumentException if a field holding the child cannot hold the replacement type
     * @throws IllegalStateException if DJL's internals are not as expected
     */
    static Plan plan(Block parent, int index, Block old, Class<? extends Block> replacementType) {
        if (!(parent instanceof AbstractBlock)) {
            throw new IllegalArgumentException("cannot replace a child of " + parent.getClass().getName()
                    + ": it is neither a ModuleContainer nor a DJL AbstractBlock");
        }
        AbstractBlock p = (AbstractBlock) parent;
        BlockList children;
        try {
            Field f = AbstractBlock.class.getDeclaredField("children");
            f.setAccessible(true);
            children = (BlockList) f.get(p);
        } catch (NoSuchFieldException | IllegalAccessException | InaccessibleObjectException | ClassCastException e) {
            throw new IllegalStateException("DJL internals changed: cannot access AbstractBlock.children (checked "
                    + "with DJL 0.35.1); implement ModuleContainer in " + parent.getClass().getName()
                    + " to make its modules replaceable", e);
        }
        if (children == null || index < 0 || index >= children.size() || children.valueAt(index) != old) {
            throw new IllegalStateException("DJL internals changed: AbstractBlock.children of "
                    + parent.getClass().getName() + " does not hold the expected child at position " + index);
        }
        List<Field> fields = new ArrayList<>();
        List<List<Object>> lists = new ArrayList<>();
        for (Class<?> c = parent.getClass(); c != null && c != AbstractBlock.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                Object value;
                try {
                    f.setAccessible(true);
                    value = f.get(p);
                } catch (IllegalAccessException | InaccessibleObjectException e) {
                    throw new IllegalStateException("cannot read field " + c.getName() + "." + f.getName()
                            + " by reflection; implement ModuleContainer instead", e);
                }
                if (value == old) {
                    if (Modifier.isFinal(f.getModifiers()) || !f.getType().isAssignableFrom(replacementType)) {
                        throw new IllegalArgumentException("field " + c.getName() + "." + f.getName() + " (type "
                                + f.getType().getName() + ") holds the module but cannot hold a "
                                + replacementType.getSimpleName());
                    }
                    fields.add(f);
                } else if (value instanceof List<?> && containsIdentity((List<?>) value, old)) {
                    if (!listCanHold(f, replacementType)) {
                        throw new IllegalArgumentException("field " + c.getName() + "." + f.getName() + " ("
                                + f.getGenericType().getTypeName() + ") holds the module but cannot hold a "
                                + replacementType.getSimpleName());
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> list = (List<Object>) value;
                    try {
                        // Probe mutability without changing anything: write the same element back.
                        int at = indexOfIdentity(list, old);
                        list.set(at, list.get(at));
                    } catch (UnsupportedOperationException e) {
                        throw new IllegalArgumentException("field " + c.getName() + "." + f.getName()
                                + " holds the module in an unmodifiable list", e);
                    }
                    lists.add(list);
                }
            }
        }
        return new Plan(p, index, children.keyAt(index), old, children, fields, lists);
    }

    /** Whether the declared element type of a list field accepts {@code type} (raw or wildcard lists do). */
    private static boolean listCanHold(Field f, Class<?> type) {
        if (f.getGenericType() instanceof ParameterizedType) {
            Type arg = ((ParameterizedType) f.getGenericType()).getActualTypeArguments()[0];
            if (arg instanceof Class<?>) {
                return ((Class<?>) arg).isAssignableFrom(type);
            }
        }
        return true;
    }

    private static boolean containsIdentity(List<?> list, Object o) {
        return indexOfIdentity(list, o) >= 0;
    }

    private static int indexOfIdentity(List<?> list, Object o) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == o) {
                return i;
            }
        }
        return -1;
    }
}
