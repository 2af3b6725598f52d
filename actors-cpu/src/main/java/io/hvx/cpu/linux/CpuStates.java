package io.hvx.cpu.linux;

import io.hvx.cpu.interp.CpuState;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/** Copies a whole {@link CpuState} for fork: every field, so that state added to the CPU later is copied too. */
final class CpuStates {
    private CpuStates() {
    }

    private static final Field[] FIELDS = CpuState.class.getDeclaredFields();

    static {
        for (Field f : FIELDS) {
            f.setAccessible(true);
        }
    }

    static void copy(CpuState from, CpuState to) {
        try {
            for (Field f : FIELDS) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Object v = f.get(from);
                if (v != null && v.getClass().isArray()) {
                    Object dst = f.get(to);
                    if (dst != null && java.lang.reflect.Array.getLength(dst) == java.lang.reflect.Array.getLength(v)) {
                        System.arraycopy(v, 0, dst, 0, java.lang.reflect.Array.getLength(v));
                        continue;
                    }
                }
                if (!Modifier.isFinal(f.getModifiers())) {
                    f.set(to, v);
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot copy CPU state for fork", e);
        }
    }
}
