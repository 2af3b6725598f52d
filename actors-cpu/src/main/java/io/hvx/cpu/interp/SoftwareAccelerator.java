package io.hvx.cpu.interp;

import io.hvx.cpu.Accelerator;
import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;

/** The software accelerator: decoded-block cache in front of the interpreter. */
public final class SoftwareAccelerator implements Accelerator {
    private final CpuState cpu;
    private final GuestMemory memory;
    private final Interpreter interpreter;
    private final BlockCache cache = new BlockCache();
    private GuestFault fault;
    private long retired;

    public SoftwareAccelerator(CpuState cpu, GuestMemory memory) {
        this.cpu = cpu;
        this.memory = memory;
        this.interpreter = new Interpreter(cpu, memory);
        memory.codeWriteListener(page -> cache.invalidatePage(page, GuestMemory.PAGE_SIZE));
    }

    public CpuState cpu() {
        return cpu;
    }

    @Override
    public Exit run(long maxInstructions) {
        long budget = maxInstructions;
        while (budget > 0) {
            long rip = cpu.rip;
            Block block = cache.lookup(rip);
            if (block == null) {
                try {
                    block = build(rip);
                } catch (GuestFault f) {
                    // the first instruction of a block could not be fetched
                    fault = f;
                    return Exit.FAULT;
                }
            }
            Instruction[] insns = block.insns;
            CompiledBlock compiled = block.compiled;
            if (compiled == null && ++block.runs == BlockCompiler.HOT) {
                compiled = BlockCompiler.compile(block);
                block.compiled = compiled;
            }
            if (compiled != null) {
                int result;
                try {
                    result = compiled.run(interpreter, block);
                } catch (GuestFault f) {
                    int k = interpreter.blockIndex;
                    cpu.rip = insns[k].address;
                    retired += k;
                    fault = f;
                    return Exit.FAULT;
                }
                int n = result & 0xFFFF;
                retired += n;
                if (result >>> 16 == ExecStatus.SYSCALL) {
                    return Exit.SYSCALL;
                }
                budget -= n;
                continue;
            }
            int n = block.count;
            for (int k = 0; k < n; k++) {
                Instruction i = insns[k];
                int status;
                try {
                    status = interpreter.execute(i);
                } catch (GuestFault f) {
                    cpu.rip = i.address;
                    retired += k;
                    fault = f;
                    return Exit.FAULT;
                }
                if (status == ExecStatus.SYSCALL) {
                    retired += k + 1;
                    return Exit.SYSCALL;
                }
                if (!block.valid || cpu.rip != i.address + i.length) {
                    // a taken branch, or this block's own bytes were just written (self-modifying code)
                    n = k + 1;
                    break;
                }
            }
            retired += n;
            budget -= n;
        }
        return Exit.BUDGET;
    }

    private Block build(long start) {
        Block block = new Block(start, Block.MAX);
        long at = start;
        while (block.count < Block.MAX) {
            Instruction i = new Instruction();
            try {
                Decoder.decode(memory, at, i);
            } catch (GuestFault f) {
                if (block.count == 0) {
                    throw f;
                }
                break; // the fault belongs to the next block, raised when it is reached
            }
            block.insns[block.count++] = i;
            at += i.length;
            if (endsBlock(i.op)) {
                break;
            }
        }
        block.end = at;
        for (long p = start & -GuestMemory.PAGE_SIZE; p < at; p += GuestMemory.PAGE_SIZE) {
            memory.markCode(p);
        }
        cache.insert(block);
        return block;
    }

    private static boolean endsBlock(Op op) {
        return switch (op) {
            case JMP, JMP_E, JCC, CALL, CALL_E, RET, RET_IMM, LOOP, LOOPE, LOOPNE, JRCXZ, SYSCALL, UD, UD2, INT3,
                 HLT -> true;
            default -> false;
        };
    }

    @Override
    public GuestFault fault() {
        return fault;
    }

    @Override
    public long retired() {
        return retired;
    }

    /** Blocks dropped because their bytes were written (for tests and counters). */
    public int invalidations() {
        return cache.invalidations();
    }
}
