package io.hvx.cpu.system;

import io.hvx.cpu.decode.ByteSource;
import io.hvx.cpu.mmu.Mmu;

/** Instruction fetch at CS:offset, so decoded instructions carry offsets (RIP) while bytes come from linear addresses. */
final class CodeFetch implements ByteSource {
    private final Mmu mmu;
    long base;
    boolean wrap32;

    CodeFetch(Mmu mmu) {
        this.mmu = mmu;
    }

    @Override
    public int fetch(long address) {
        long a = base + address;
        return mmu.fetch(wrap32 ? a & 0xFFFFFFFFL : a);
    }
}
