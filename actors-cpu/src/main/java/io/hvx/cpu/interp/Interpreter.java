package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.CF;
import static io.hvx.cpu.interp.CpuState.DF;
import static io.hvx.cpu.interp.CpuState.OF;
import static io.hvx.cpu.interp.CpuState.RAX;
import static io.hvx.cpu.interp.CpuState.RCX;
import static io.hvx.cpu.interp.CpuState.RDI;
import static io.hvx.cpu.interp.CpuState.RDX;
import static io.hvx.cpu.interp.CpuState.RSI;
import static io.hvx.cpu.interp.CpuState.RSP;
import static io.hvx.cpu.interp.CpuState.STATUS;
import static io.hvx.cpu.interp.CpuState.ZF;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.decode.OpcodeTable;
import io.hvx.cpu.decode.Shape;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;
import java.math.BigInteger;

/** Executes one decoded instruction against a {@link CpuState} and {@link LinearMemory}, status flags computed lazily ({@link LazyFlags}). */
public final class Interpreter {
    final CpuState cpu;
    private final long[] r;
    /** The index in its block of the instruction a compiled block is running ({@link CompiledBlock}). */
    int blockIndex;
    private final LinearMemory mem;
    private final Sse sse;
    private Privileged privileged;
    private final X87 x87;
    private final Bmi bmi;

    public Interpreter(CpuState cpu, LinearMemory mem) {
        this.cpu = cpu;
        this.r = cpu.regs;
        this.mem = mem;
        this.sse = new Sse(cpu, mem, this);
        this.x87 = new X87(cpu, mem, this);
        this.bmi = new Bmi(cpu, this);
        this.privileged = new UserPrivileged(cpu, this);
    }

    /** Replaces the handler of system instructions (user mode's raises #GP or #UD for them). */
    public void privileged(Privileged handler) {
        this.privileged = handler;
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    static long signBit(int size) {
        return 1L << (size * 8 - 1);
    }

    static long sx(long v, int size) {
        int sh = 64 - size * 8;
        return (v << sh) >> sh;
    }

    // ---- operand access

    public long getReg(int reg, int size, boolean rex) {
        if (size == 1 && !rex && reg >= 4 && reg < 8) {
            return (r[reg - 4] >>> 8) & 0xFF;
        }
        return r[reg] & mask(size);
    }

    public void setReg(int reg, int size, boolean rex, long v) {
        switch (size) {
            case 1 -> {
                if (!rex && reg >= 4 && reg < 8) {
                    r[reg - 4] = (r[reg - 4] & ~0xFF00L) | ((v & 0xFF) << 8);
                } else {
                    r[reg] = (r[reg] & ~0xFFL) | (v & 0xFF);
                }
            }
            case 2 -> r[reg] = (r[reg] & ~0xFFFFL) | (v & 0xFFFF);
            case 4 -> r[reg] = v & 0xFFFFFFFFL;
            default -> r[reg] = v;
        }
    }

    public long ea(Instruction i) {
        long a;
        if (i.ripRelative) {
            a = i.next() + i.disp;
        } else {
            a = i.disp;
            if (i.base >= 0) {
                a += r[i.base];
            }
            if (i.index >= 0) {
                a += r[i.index] << i.scale;
            }
        }
        if (i.addrSize != 8) {
            a &= i.addrSize == 4 ? 0xFFFFFFFFL : 0xFFFF;
        }
        return segmented(i, a);
    }

    public long readE(Instruction i, int size) {
        return i.mod == 3 ? getReg(i.rm, size, i.hasRex()) : mem.read(ea(i), size);
    }

    public void writeE(Instruction i, int size, long v) {
        if (i.mod == 3) {
            setReg(i.rm, size, i.hasRex(), v);
        } else {
            mem.write(ea(i), size, v);
        }
    }

    private long readG(Instruction i, int size) {
        return getReg(i.reg, size, i.hasRex());
    }

    private void writeG(Instruction i, int size, long v) {
        setReg(i.reg, size, i.hasRex(), v);
    }

    // ---- flags

    /** Replaces all six status flags (no pending operation survives). */
    private void setStatus(long f) {
        cpu.flagOp = 0;
        cpu.rflags = (cpu.rflags & ~STATUS) | f;
    }

    private long add(long a, long b, long c, int size) {
        long m = mask(size);
        long res = (a + b + c) & m;
        LazyFlags.record(cpu, c != 0 ? LazyFlags.ADC : LazyFlags.ADD, a & m, b & m, res, size);
        return res;
    }

    private long sub(long a, long b, long c, int size) {
        long m = mask(size);
        long res = (a - b - c) & m;
        LazyFlags.record(cpu, c != 0 ? LazyFlags.SBB : LazyFlags.SUB, a & m, b & m, res, size);
        return res;
    }

    /** Sets the flags of {@code a - b} (CMP, CMPS, SCAS). */
    void compare(long a, long b, int size) {
        sub(a, b, 0, size);
    }

    private long logic(long res, int size) {
        LazyFlags.result(cpu, res, size, 0);
        return res & mask(size);
    }

    /** INC or DEC: CF is kept, so the pending operation's carry is saved with the new one. */
    private long incDec(long v, boolean inc, int size) {
        long m = mask(size);
        long a = v & m;
        long res = (inc ? a + 1 : a - 1) & m;
        LazyFlags.record(cpu, inc ? LazyFlags.INC : LazyFlags.DEC, a, carryIn() != 0 ? CF : 0, res, size);
        return res;
    }

    /** LEA's sum before the address-size mask. */
    private long lea(Instruction i) {
        if (i.ripRelative) {
            return i.next() + i.disp;
        }
        return i.disp + (i.base >= 0 ? r[i.base] : 0) + (i.index >= 0 ? r[i.index] << i.scale : 0);
    }

    private long carryIn() {
        return LazyFlags.carry(cpu) ? 1 : 0;
    }

    boolean condition(int cc) {
        return LazyFlags.condition(cpu, cc);
    }

    private long alu(Op op, long a, long b, int size) {
        return switch (op) {
            case ADD -> add(a, b, 0, size);
            case ADC -> add(a, b, carryIn(), size);
            case SUB, CMP -> sub(a, b, 0, size);
            case SBB -> sub(a, b, carryIn(), size);
            case AND, TEST -> logic(a & b, size);
            case OR -> logic(a | b, size);
            case XOR -> logic(a ^ b, size);
            default -> throw new IllegalStateException(op.name());
        };
    }

    // ---- stack

    public void push(long v, int size) {
        if (cpu.stackSize != 8) {
            long sp = (r[RSP] - size) & mask(cpu.stackSize);
            mem.write(cpu.segBase[Instruction.SEG_SS] + sp, size, v);
            setReg(RSP, cpu.stackSize, true, sp);
            return;
        }
        long sp = r[RSP] - size;
        mem.write(sp, size, v);
        r[RSP] = sp;
    }

    public long pop(int size) {
        if (cpu.stackSize != 8) {
            long sp = r[RSP] & mask(cpu.stackSize);
            long v = mem.read(cpu.segBase[Instruction.SEG_SS] + sp, size);
            setReg(RSP, cpu.stackSize, true, sp + size);
            return v;
        }
        long v = mem.read(r[RSP], size);
        r[RSP] += size;
        return v;
    }

    private GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    /**
     * Executes the instruction; RIP is advanced first so that RIP-relative operands and faults see the
     * architectural values, and restored by the caller when a fault propagates.
     */
    public int execute(Instruction i) {
        int form = i.form;
        if (form == 0) {
            form = FastForm.classify(i);
            i.form = form;
        }
        if (form == FastForm.GENERIC) {
            return executeGeneric(i);
        }
        cpu.rip = i.address + i.length;
        switch (form) {
            case FastForm.ADD_EG_RR4 -> addEgRr4(i);
            case FastForm.ADD_GE_RR4 -> addGeRr4(i);
            case FastForm.ADD_GE_RM4 -> addGeRm4(i);
            case FastForm.ADD_EI_R4 -> addEiR4(i);
            case FastForm.ADD_EG_RR8 -> addEgRr8(i);
            case FastForm.ADD_GE_RR8 -> addGeRr8(i);
            case FastForm.ADD_GE_RM8 -> addGeRm8(i);
            case FastForm.ADD_EI_R8 -> addEiR8(i);
            case FastForm.SUB_EG_RR4 -> subEgRr4(i);
            case FastForm.SUB_GE_RR4 -> subGeRr4(i);
            case FastForm.SUB_GE_RM4 -> subGeRm4(i);
            case FastForm.SUB_EI_R4 -> subEiR4(i);
            case FastForm.SUB_EG_RR8 -> subEgRr8(i);
            case FastForm.SUB_GE_RR8 -> subGeRr8(i);
            case FastForm.SUB_GE_RM8 -> subGeRm8(i);
            case FastForm.SUB_EI_R8 -> subEiR8(i);
            case FastForm.AND_EG_RR4 -> andEgRr4(i);
            case FastForm.AND_GE_RR4 -> andGeRr4(i);
            case FastForm.AND_GE_RM4 -> andGeRm4(i);
            case FastForm.AND_EI_R4 -> andEiR4(i);
            case FastForm.AND_EG_RR8 -> andEgRr8(i);
            case FastForm.AND_GE_RR8 -> andGeRr8(i);
            case FastForm.AND_GE_RM8 -> andGeRm8(i);
            case FastForm.AND_EI_R8 -> andEiR8(i);
            case FastForm.OR_EG_RR4 -> orEgRr4(i);
            case FastForm.OR_GE_RR4 -> orGeRr4(i);
            case FastForm.OR_GE_RM4 -> orGeRm4(i);
            case FastForm.OR_EI_R4 -> orEiR4(i);
            case FastForm.OR_EG_RR8 -> orEgRr8(i);
            case FastForm.OR_GE_RR8 -> orGeRr8(i);
            case FastForm.OR_GE_RM8 -> orGeRm8(i);
            case FastForm.OR_EI_R8 -> orEiR8(i);
            case FastForm.XOR_EG_RR4 -> xorEgRr4(i);
            case FastForm.XOR_GE_RR4 -> xorGeRr4(i);
            case FastForm.XOR_GE_RM4 -> xorGeRm4(i);
            case FastForm.XOR_EI_R4 -> xorEiR4(i);
            case FastForm.XOR_EG_RR8 -> xorEgRr8(i);
            case FastForm.XOR_GE_RR8 -> xorGeRr8(i);
            case FastForm.XOR_GE_RM8 -> xorGeRm8(i);
            case FastForm.XOR_EI_R8 -> xorEiR8(i);
            case FastForm.CMP_EG_RR4 -> cmpEgRr4(i);
            case FastForm.CMP_GE_RR4 -> cmpGeRr4(i);
            case FastForm.CMP_GE_RM4 -> cmpGeRm4(i);
            case FastForm.CMP_EI_R4 -> cmpEiR4(i);
            case FastForm.CMP_EG_RR8 -> cmpEgRr8(i);
            case FastForm.CMP_GE_RR8 -> cmpGeRr8(i);
            case FastForm.CMP_GE_RM8 -> cmpGeRm8(i);
            case FastForm.CMP_EI_R8 -> cmpEiR8(i);
            case FastForm.TEST_EG_RR4 -> testEgRr4(i);
            case FastForm.TEST_EI_R4 -> testEiR4(i);
            case FastForm.TEST_EG_RR8 -> testEgRr8(i);
            case FastForm.TEST_EI_R8 -> testEiR8(i);
            case FastForm.MOV_EG_RR4 -> movEgRr4(i);
            case FastForm.MOV_GE_RR4 -> movGeRr4(i);
            case FastForm.MOV_LOAD4 -> movLoad4(i);
            case FastForm.MOV_STORE4 -> movStore4(i);
            case FastForm.MOV_EI_R4 -> movEiR4(i);
            case FastForm.MOV_EI_M4 -> movEiM4(i);
            case FastForm.SHL_EI_R4 -> shlEiR4(i);
            case FastForm.SHR_EI_R4 -> shrEiR4(i);
            case FastForm.SAR_EI_R4 -> sarEiR4(i);
            case FastForm.ROL_EI_R4 -> rolEiR4(i);
            case FastForm.ROR_EI_R4 -> rorEiR4(i);
            case FastForm.INC_R4 -> incR4(i);
            case FastForm.DEC_R4 -> decR4(i);
            case FastForm.NOT_R4 -> notR4(i);
            case FastForm.LEA4 -> lea4(i);
            case FastForm.MOV_EG_RR8 -> movEgRr8(i);
            case FastForm.MOV_GE_RR8 -> movGeRr8(i);
            case FastForm.MOV_LOAD8 -> movLoad8(i);
            case FastForm.MOV_STORE8 -> movStore8(i);
            case FastForm.MOV_EI_R8 -> movEiR8(i);
            case FastForm.MOV_EI_M8 -> movEiM8(i);
            case FastForm.SHL_EI_R8 -> shlEiR8(i);
            case FastForm.SHR_EI_R8 -> shrEiR8(i);
            case FastForm.SAR_EI_R8 -> sarEiR8(i);
            case FastForm.ROL_EI_R8 -> rolEiR8(i);
            case FastForm.ROR_EI_R8 -> rorEiR8(i);
            case FastForm.INC_R8 -> incR8(i);
            case FastForm.DEC_R8 -> decR8(i);
            case FastForm.NOT_R8 -> notR8(i);
            case FastForm.LEA8 -> lea8(i);
            case FastForm.JCC -> jcc(i);
            case FastForm.PUSH_R8 -> pushR8(i);
            case FastForm.POP_R8 -> popR8(i);
            default -> throw new IllegalStateException("form " + form);
        }
        return ExecStatus.CONTINUE;
    }

    // ---- the fast forms, one method each: the switch above and compiled blocks ({@link BlockCompiler}) call them.
    // Only Jcc writes RIP (when taken); the caller keeps it otherwise.

    void addEgRr4(Instruction i) {
        r[i.rm] = add(r[i.rm], r[i.reg], 0, 4);
    }

    void addGeRr4(Instruction i) {
        r[i.reg] = add(r[i.reg], r[i.rm], 0, 4);
    }

    void addGeRm4(Instruction i) {
        r[i.reg] = add(r[i.reg], mem.read32(ea(i)), 0, 4);
    }

    void addEiR4(Instruction i) {
        r[i.rm] = add(r[i.rm], i.imm, 0, 4);
    }

    void addEgRr8(Instruction i) {
        r[i.rm] = add(r[i.rm], r[i.reg], 0, 8);
    }

    void addGeRr8(Instruction i) {
        r[i.reg] = add(r[i.reg], r[i.rm], 0, 8);
    }

    void addGeRm8(Instruction i) {
        r[i.reg] = add(r[i.reg], mem.read64(ea(i)), 0, 8);
    }

    void addEiR8(Instruction i) {
        r[i.rm] = add(r[i.rm], i.imm, 0, 8);
    }

    void subEgRr4(Instruction i) {
        r[i.rm] = sub(r[i.rm], r[i.reg], 0, 4);
    }

    void subGeRr4(Instruction i) {
        r[i.reg] = sub(r[i.reg], r[i.rm], 0, 4);
    }

    void subGeRm4(Instruction i) {
        r[i.reg] = sub(r[i.reg], mem.read32(ea(i)), 0, 4);
    }

    void subEiR4(Instruction i) {
        r[i.rm] = sub(r[i.rm], i.imm, 0, 4);
    }

    void subEgRr8(Instruction i) {
        r[i.rm] = sub(r[i.rm], r[i.reg], 0, 8);
    }

    void subGeRr8(Instruction i) {
        r[i.reg] = sub(r[i.reg], r[i.rm], 0, 8);
    }

    void subGeRm8(Instruction i) {
        r[i.reg] = sub(r[i.reg], mem.read64(ea(i)), 0, 8);
    }

    void subEiR8(Instruction i) {
        r[i.rm] = sub(r[i.rm], i.imm, 0, 8);
    }

    void andEgRr4(Instruction i) {
        r[i.rm] = logic(r[i.rm] & r[i.reg], 4);
    }

    void andGeRr4(Instruction i) {
        r[i.reg] = logic(r[i.reg] & r[i.rm], 4);
    }

    void andGeRm4(Instruction i) {
        r[i.reg] = logic(r[i.reg] & mem.read32(ea(i)), 4);
    }

    void andEiR4(Instruction i) {
        r[i.rm] = logic(r[i.rm] & i.imm, 4);
    }

    void andEgRr8(Instruction i) {
        r[i.rm] = logic(r[i.rm] & r[i.reg], 8);
    }

    void andGeRr8(Instruction i) {
        r[i.reg] = logic(r[i.reg] & r[i.rm], 8);
    }

    void andGeRm8(Instruction i) {
        r[i.reg] = logic(r[i.reg] & mem.read64(ea(i)), 8);
    }

    void andEiR8(Instruction i) {
        r[i.rm] = logic(r[i.rm] & i.imm, 8);
    }

    void orEgRr4(Instruction i) {
        r[i.rm] = logic(r[i.rm] | r[i.reg], 4);
    }

    void orGeRr4(Instruction i) {
        r[i.reg] = logic(r[i.reg] | r[i.rm], 4);
    }

    void orGeRm4(Instruction i) {
        r[i.reg] = logic(r[i.reg] | mem.read32(ea(i)), 4);
    }

    void orEiR4(Instruction i) {
        r[i.rm] = logic(r[i.rm] | i.imm, 4);
    }

    void orEgRr8(Instruction i) {
        r[i.rm] = logic(r[i.rm] | r[i.reg], 8);
    }

    void orGeRr8(Instruction i) {
        r[i.reg] = logic(r[i.reg] | r[i.rm], 8);
    }

    void orGeRm8(Instruction i) {
        r[i.reg] = logic(r[i.reg] | mem.read64(ea(i)), 8);
    }

    void orEiR8(Instruction i) {
        r[i.rm] = logic(r[i.rm] | i.imm, 8);
    }

    void xorEgRr4(Instruction i) {
        r[i.rm] = logic(r[i.rm] ^ r[i.reg], 4);
    }

    void xorGeRr4(Instruction i) {
        r[i.reg] = logic(r[i.reg] ^ r[i.rm], 4);
    }

    void xorGeRm4(Instruction i) {
        r[i.reg] = logic(r[i.reg] ^ mem.read32(ea(i)), 4);
    }

    void xorEiR4(Instruction i) {
        r[i.rm] = logic(r[i.rm] ^ i.imm, 4);
    }

    void xorEgRr8(Instruction i) {
        r[i.rm] = logic(r[i.rm] ^ r[i.reg], 8);
    }

    void xorGeRr8(Instruction i) {
        r[i.reg] = logic(r[i.reg] ^ r[i.rm], 8);
    }

    void xorGeRm8(Instruction i) {
        r[i.reg] = logic(r[i.reg] ^ mem.read64(ea(i)), 8);
    }

    void xorEiR8(Instruction i) {
        r[i.rm] = logic(r[i.rm] ^ i.imm, 8);
    }

    void cmpEgRr4(Instruction i) {
        sub(r[i.rm], r[i.reg], 0, 4);
    }

    void cmpGeRr4(Instruction i) {
        sub(r[i.reg], r[i.rm], 0, 4);
    }

    void cmpGeRm4(Instruction i) {
        sub(r[i.reg], mem.read32(ea(i)), 0, 4);
    }

    void cmpEiR4(Instruction i) {
        sub(r[i.rm], i.imm, 0, 4);
    }

    void cmpEgRr8(Instruction i) {
        sub(r[i.rm], r[i.reg], 0, 8);
    }

    void cmpGeRr8(Instruction i) {
        sub(r[i.reg], r[i.rm], 0, 8);
    }

    void cmpGeRm8(Instruction i) {
        sub(r[i.reg], mem.read64(ea(i)), 0, 8);
    }

    void cmpEiR8(Instruction i) {
        sub(r[i.rm], i.imm, 0, 8);
    }

    void testEgRr4(Instruction i) {
        logic(r[i.rm] & r[i.reg], 4);
    }

    void testEiR4(Instruction i) {
        logic(r[i.rm] & i.imm, 4);
    }

    void testEgRr8(Instruction i) {
        logic(r[i.rm] & r[i.reg], 8);
    }

    void testEiR8(Instruction i) {
        logic(r[i.rm] & i.imm, 8);
    }

    void movEgRr4(Instruction i) {
        r[i.rm] = r[i.reg] & 0xFFFFFFFFL;
    }

    void movGeRr4(Instruction i) {
        r[i.reg] = r[i.rm] & 0xFFFFFFFFL;
    }

    void movLoad4(Instruction i) {
        r[i.reg] = mem.read32(ea(i)) & 0xFFFFFFFFL;
    }

    void movStore4(Instruction i) {
        mem.write32(ea(i), (int) r[i.reg]);
    }

    void movEiR4(Instruction i) {
        r[i.rm] = i.imm & 0xFFFFFFFFL;
    }

    void movEiM4(Instruction i) {
        mem.write32(ea(i), (int) i.imm);
    }

    void shlEiR4(Instruction i) {
        int count = (int) i.imm & 0x1F;
        if (count != 0) {
            r[i.rm] = Shifts.shl(cpu, r[i.rm], count, 4);
        } else {
            r[i.rm] &= 0xFFFFFFFFL;
        }
    }

    void shrEiR4(Instruction i) {
        int count = (int) i.imm & 0x1F;
        if (count != 0) {
            r[i.rm] = Shifts.shr(cpu, r[i.rm], count, 4);
        } else {
            r[i.rm] &= 0xFFFFFFFFL;
        }
    }

    void sarEiR4(Instruction i) {
        int count = (int) i.imm & 0x1F;
        if (count != 0) {
            r[i.rm] = Shifts.sar(cpu, r[i.rm], count, 4);
        } else {
            r[i.rm] &= 0xFFFFFFFFL;
        }
    }

    void rolEiR4(Instruction i) {
        int count = (int) i.imm & 0x1F;
        if (count != 0) {
            r[i.rm] = Shifts.rol(cpu, r[i.rm], count, 4);
        } else {
            r[i.rm] &= 0xFFFFFFFFL;
        }
    }

    void rorEiR4(Instruction i) {
        int count = (int) i.imm & 0x1F;
        if (count != 0) {
            r[i.rm] = Shifts.ror(cpu, r[i.rm], count, 4);
        } else {
            r[i.rm] &= 0xFFFFFFFFL;
        }
    }

    void incR4(Instruction i) {
        r[i.rm] = incDec(r[i.rm], true, 4);
    }

    void decR4(Instruction i) {
        r[i.rm] = incDec(r[i.rm], false, 4);
    }

    void notR4(Instruction i) {
        r[i.rm] = ~r[i.rm] & 0xFFFFFFFFL;
    }

    void lea4(Instruction i) {
        r[i.reg] = lea(i) & 0xFFFFFFFFL;
    }

    void movEgRr8(Instruction i) {
        r[i.rm] = r[i.reg];
    }

    void movGeRr8(Instruction i) {
        r[i.reg] = r[i.rm];
    }

    void movLoad8(Instruction i) {
        r[i.reg] = mem.read64(ea(i));
    }

    void movStore8(Instruction i) {
        mem.write64(ea(i), r[i.reg]);
    }

    void movEiR8(Instruction i) {
        r[i.rm] = i.imm;
    }

    void movEiM8(Instruction i) {
        mem.write64(ea(i), i.imm);
    }

    void shlEiR8(Instruction i) {
        int count = (int) i.imm & 0x3F;
        if (count != 0) {
            r[i.rm] = Shifts.shl(cpu, r[i.rm], count, 8);
        }
    }

    void shrEiR8(Instruction i) {
        int count = (int) i.imm & 0x3F;
        if (count != 0) {
            r[i.rm] = Shifts.shr(cpu, r[i.rm], count, 8);
        }
    }

    void sarEiR8(Instruction i) {
        int count = (int) i.imm & 0x3F;
        if (count != 0) {
            r[i.rm] = Shifts.sar(cpu, r[i.rm], count, 8);
        }
    }

    void rolEiR8(Instruction i) {
        int count = (int) i.imm & 0x3F;
        if (count != 0) {
            r[i.rm] = Shifts.rol(cpu, r[i.rm], count, 8);
        }
    }

    void rorEiR8(Instruction i) {
        int count = (int) i.imm & 0x3F;
        if (count != 0) {
            r[i.rm] = Shifts.ror(cpu, r[i.rm], count, 8);
        }
    }

    void incR8(Instruction i) {
        r[i.rm] = incDec(r[i.rm], true, 8);
    }

    void decR8(Instruction i) {
        r[i.rm] = incDec(r[i.rm], false, 8);
    }

    void notR8(Instruction i) {
        r[i.rm] = ~r[i.rm];
    }

    void lea8(Instruction i) {
        r[i.reg] = lea(i);
    }

    void jcc(Instruction i) {
        if (LazyFlags.condition(cpu, i.opcode & 0xF)) {
            cpu.rip = i.address + i.length + i.imm;
        }
    }

    void pushR8(Instruction i) {
        push(r[i.rm], 8);
    }

    void popR8(Instruction i) {
        r[i.rm] = pop(8);
    }

    private int executeGeneric(Instruction i) {
        cpu.rip = i.next();
        int size = i.opSize;
        Op op = i.op;
        switch (op) {
            case ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST -> {
                boolean store = op != Op.CMP && op != Op.TEST;
                switch (i.shape) {
                    case Shape.E_G -> {
                        long res = alu(op, readE(i, size), readG(i, size), size);
                        if (store) {
                            writeE(i, size, res);
                        }
                    }
                    case Shape.G_E -> {
                        long res = alu(op, readG(i, size), readE(i, size), size);
                        if (store) {
                            writeG(i, size, res);
                        }
                    }
                    case Shape.A_I -> {
                        long res = alu(op, getReg(RAX, size, true), i.imm, size);
                        if (store) {
                            setReg(RAX, size, true, res);
                        }
                    }
                    default -> {
                        long res = alu(op, readE(i, size), i.imm, size);
                        if (store) {
                            writeE(i, size, res);
                        }
                    }
                }
            }
            case INC, DEC -> writeE(i, size, incDec(readE(i, size), op == Op.INC, size));
            case NOT -> writeE(i, size, ~readE(i, size));
            case NEG -> writeE(i, size, sub(0, readE(i, size), 0, size));
            case MUL, IMUL1 -> mulDiv1(i, op, size);
            case DIV, IDIV -> divide(i, op == Op.IDIV, size);
            case IMUL -> {
                long a = sx(i.shape == Shape.G_E ? readG(i, size) : readE(i, size), size);
                long b = i.shape == Shape.G_E ? sx(readE(i, size), size) : i.imm;
                long res = a * b;
                boolean overflow;
                if (size == 8) {
                    overflow = Math.multiplyHigh(a, b) != (res >> 63);
                } else {
                    overflow = sx(res, size) != res;
                }
                LazyFlags.result(cpu, res, size, overflow ? CF | OF : 0);
                writeG(i, size, res);
            }
            case ROL, ROR, RCL, RCR, SHL, SHR, SAR -> {
                int count = switch (i.shape) {
                    case Shape.E_1 -> 1;
                    case Shape.E_CL -> (int) r[RCX];
                    default -> (int) i.imm;
                };
                count &= size == 8 ? 0x3F : 0x1F;
                if (count != 0) {
                    writeE(i, size, Shifts.shift(cpu, op, readE(i, size), count, size));
                } else if (size == 4 && i.mod == 3) {
                    r[i.rm] &= 0xFFFFFFFFL; // a 32-bit register destination is written even for count 0
                }
            }
            case SHLD, SHRD -> {
                int count = (int) (i.shape == Shape.E_G_CL ? r[RCX] : i.imm) & (size == 8 ? 0x3F : 0x1F);
                if (count != 0) {
                    writeE(i, size, Shifts.doubleShift(cpu, op == Op.SHLD, readE(i, size), readG(i, size), count, size));
                } else if (size == 4 && i.mod == 3) {
                    r[i.rm] &= 0xFFFFFFFFL;
                }
            }
            case MOV -> {
                switch (i.shape) {
                    case Shape.E_G -> writeE(i, size, readG(i, size));
                    case Shape.G_E -> writeG(i, size, readE(i, size));
                    default -> writeE(i, size, i.imm);
                }
            }
            case MOV_MOFFS_LOAD -> setReg(RAX, size, true, mem.read(segmented(i, i.imm), size));
            case MOV_MOFFS_STORE -> mem.write(segmented(i, i.imm), size, getReg(RAX, size, true));
            case MOVZX -> writeG(i, size, readE(i, (i.opcode & 1) == 0 ? 1 : 2));
            case MOVSX -> {
                int from = (i.opcode & 1) == 0 ? 1 : 2;
                writeG(i, size, sx(readE(i, from), from));
            }
            case MOVSXD -> writeG(i, size, size == 8 ? sx(readE(i, 4), 4) : readE(i, size));
            case LEA -> {
                long a = lea(i);
                writeG(i, size, i.addrSize == 4 ? a & 0xFFFFFFFFL : a);
            }
            case XCHG -> {
                if (i.shape == Shape.E_A) {
                    long a = getReg(RAX, size, true);
                    setReg(RAX, size, true, readE(i, size));
                    writeE(i, size, a);
                } else {
                    long a = readE(i, size);
                    long b = readG(i, size);
                    writeE(i, size, b);
                    writeG(i, size, a);
                }
            }
            case XADD -> {
                long a = readE(i, size);
                long b = readG(i, size);
                long sum = add(a, b, 0, size);
                if (i.mod == 3) {
                    writeG(i, size, a);
                    writeE(i, size, sum); // with the same register twice, the sum wins
                } else {
                    writeE(i, size, sum); // before G changes: G may be the base register
                    writeG(i, size, a);
                }
            }
            case CMPXCHG -> {
                long d = readE(i, size);
                long acc = getReg(RAX, size, true);
                if (sub(acc, d, 0, size) == 0) {
                    writeE(i, size, readG(i, size));
                } else {
                    setReg(RAX, size, true, d);
                }
            }
            case CMPXCHG8B -> cmpxchgDouble(i);
            case BSWAP -> {
                long v = r[i.rm];
                if (size == 8) {
                    r[i.rm] = Long.reverseBytes(v);
                } else if (size == 4) {
                    r[i.rm] = Integer.reverseBytes((int) v) & 0xFFFFFFFFL;
                } else {
                    r[i.rm] &= ~0xFFFFL; // BSWAP r16 is undefined; real CPUs give zero
                }
            }
            case PUSH -> push(i.shape == Shape.E_I ? i.imm : readE(i, size), size);
            case POP -> {
                long v = pop(size);
                writeE(i, size, v);
            }
            case PUSHF -> push(cpu.flags() & 0xFCFFFF, size);
            case POPF -> {
                return privileged.execute(i);
            }
            case SAHF -> {
                cpu.materializeFlags();
                cpu.rflags = (cpu.rflags & ~0xD5L) | ((r[RAX] >>> 8) & 0xD5);
            }
            case LAHF -> setReg(4, 1, false, (cpu.flags() & 0xD5) | 2);
            case LEAVE -> {
                r[RSP] = r[CpuState.RBP];
                setReg(CpuState.RBP, size, true, pop(size));
            }
            case CALL -> {
                push(cpu.rip, size);
                cpu.rip = (i.next() + i.imm) & mask(size);
            }
            case CALL_E -> {
                long target = readE(i, size);
                push(cpu.rip, size);
                cpu.rip = target;
            }
            case RET -> cpu.rip = pop(size);
            case RET_IMM -> {
                cpu.rip = pop(size);
                setReg(RSP, cpu.stackSize, true, r[RSP] + i.imm);
            }
            case JMP -> cpu.rip = (i.next() + i.imm) & mask(size);
            case JMP_E -> cpu.rip = readE(i, size);
            case JCC -> {
                if (condition(i.condition())) {
                    cpu.rip = i.next() + i.imm;
                }
            }
            case JRCXZ -> {
                if ((r[RCX] & mask(i.addrSize)) == 0) {
                    cpu.rip = i.next() + i.imm;
                }
            }
            case LOOP, LOOPE, LOOPNE -> {
                long c = (r[RCX] - 1) & mask(i.addrSize);
                setReg(RCX, i.addrSize, true, c);
                boolean take = c != 0 && (op == Op.LOOP || (op == Op.LOOPE) == LazyFlags.zero(cpu));
                if (take) {
                    cpu.rip = i.next() + i.imm;
                }
            }
            case CMOVCC -> {
                long v = readE(i, size);
                if (condition(i.condition())) {
                    writeG(i, size, v);
                } else if (size == 4) {
                    r[i.reg] &= 0xFFFFFFFFL; // a 32-bit CMOV zero-extends even when it does not move
                }
            }
            case SETCC -> writeE(i, 1, condition(i.condition()) ? 1 : 0);
            case CBW -> {
                int half = size / 2;
                setReg(RAX, size, true, sx(r[RAX], half));
            }
            case CWD -> setReg(RDX, size, true, (r[RAX] & signBit(size)) != 0 ? -1 : 0);
            case MOVS, CMPS, STOS, LODS, SCAS -> Strings.execute(this, cpu, mem, i);
            case BT, BTS, BTR, BTC -> bitTest(i, op, size);
            case BSF, BSR -> bitScan(i, op, size);
            case POPCNT -> {
                long v = readE(i, size);
                setStatus(v == 0 ? ZF : 0);
                writeG(i, size, Long.bitCount(v));
            }
            case CLC -> {
                cpu.materializeFlags();
                cpu.rflags &= ~CF;
            }
            case STC -> {
                cpu.materializeFlags();
                cpu.rflags |= CF;
            }
            case CMC -> {
                cpu.materializeFlags();
                cpu.rflags ^= CF;
            }
            case CLD -> cpu.rflags &= ~DF;
            case STD -> cpu.rflags |= DF;
            case NOP, PAUSE, FENCE, PREFETCH, FWAIT -> { }
            case X87 -> x87.execute(i);
            case FXSAVE, FXRSTOR -> {
                long a = ea(i);
                if ((a & 15) != 0) {
                    throw Fxsave.misaligned(i.address);
                }
                if (op == Op.FXSAVE) {
                    Fxsave.save(cpu, mem, a);
                } else if (!Fxsave.restore(cpu, mem, a)) {
                    throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, i.address, false);
                }
            }
            case LDMXCSR -> {
                int v = mem.read32(ea(i));
                if ((v & ~Fxsave.MXCSR_MASK) != 0) {
                    throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, i.address, false);
                }
                cpu.mxcsr = v;
            }
            case STMXCSR -> mem.write32(ea(i), cpu.mxcsr);
            case UD, UD2 -> throw ud(i);
            case HLT, INT3, SYSCALL, CPUID, RDTSC, CLI, STI, IN, OUT, INS, OUTS, INT, INTO, INT1, IRET, GROUP6, GROUP7,
                 MOV_FROM_CR, MOV_TO_CR, MOV_FROM_DR, MOV_TO_DR, RDMSR, WRMSR, SYSRET, CLTS, WBINVD, MOV_FROM_SREG,
                 MOV_TO_SREG, PUSH_SREG, POP_SREG, LOAD_FAR_POINTER, JMP_FAR, CALL_FAR, JMP_FAR_E, CALL_FAR_E, RETF,
                 LAR, LSL -> {
                return privileged.execute(i);
            }
            case RDRAND -> {
                writeE(i, size, java.util.concurrent.ThreadLocalRandom.current().nextLong());
                setStatus(CF);
            }
            case MOVBE_LOAD -> writeG(i, size, reverse(readE(i, size), size));
            case MOVBE_STORE -> writeE(i, size, reverse(readG(i, size), size));
            case CRC32 -> Crc32.execute(this, r, i);
            case BMI -> bmi.execute(i);
            default -> sse.execute(i);
        }
        return ExecStatus.CONTINUE;
    }

    private static long reverse(long v, int size) {
        return switch (size) {
            case 2 -> Short.reverseBytes((short) v) & 0xFFFFL;
            case 4 -> Integer.reverseBytes((int) v) & 0xFFFFFFFFL;
            default -> Long.reverseBytes(v);
        };
    }

    long segmented(Instruction i, long a) {
        int s = i.segment;
        if (s == Instruction.SEG_NONE) {
            return a;
        }
        return a + (s == Instruction.SEG_FS ? cpu.fsBase : s == Instruction.SEG_GS ? cpu.gsBase : cpu.segBase[s]);
    }

    private void mulDiv1(Instruction i, Op op, int size) {
        long src = readE(i, size);
        long a = getReg(RAX, size, true);
        long lo;
        long hi;
        boolean overflow;
        if (op == Op.MUL) {
            if (size == 8) {
                lo = a * src;
                hi = Math.unsignedMultiplyHigh(a, src);
            } else {
                long p = a * src;
                lo = p & mask(size);
                hi = (p >>> (size * 8)) & mask(size);
            }
            overflow = hi != 0;
        } else {
            long sa = sx(a, size);
            long ss = sx(src, size);
            if (size == 8) {
                lo = sa * ss;
                hi = Math.multiplyHigh(sa, ss);
                overflow = hi != (lo >> 63);
            } else {
                long p = sa * ss;
                lo = p & mask(size);
                hi = (p >> (size * 8)) & mask(size);
                overflow = sx(p, size) != p;
            }
        }
        if (size == 1) {
            setReg(RAX, 2, true, (lo & 0xFF) | (hi << 8));
        } else {
            setReg(RAX, size, true, lo);
            setReg(RDX, size, true, hi);
        }
        LazyFlags.result(cpu, lo, size, overflow ? CF | OF : 0);
    }

    private void divide(Instruction i, boolean signed, int size) {
        long d = readE(i, size);
        long lo;
        long hi;
        if (size == 1) {
            lo = r[RAX] & 0xFF;
            hi = (r[RAX] >>> 8) & 0xFF;
        } else {
            lo = getReg(RAX, size, true);
            hi = getReg(RDX, size, true);
        }
        if (d == 0) {
            throw new GuestFault(GuestFault.Kind.DIVIDE_ERROR, i.address, false);
        }
        long q;
        long rem;
        if (size < 8) {
            int bits = size * 8;
            long dividend = (hi << bits) | lo; // at most 64 bits for size 4
            if (!signed) {
                q = Long.divideUnsigned(dividend, d);
                rem = Long.remainderUnsigned(dividend, d);
                if (Long.compareUnsigned(q, mask(size)) > 0) {
                    throw new GuestFault(GuestFault.Kind.DIVIDE_ERROR, i.address, false);
                }
            } else {
                long sd = size == 4 ? dividend : sx(dividend, size * 2);
                long sdiv = sx(d, size);
                if (size == 4 && sd == Long.MIN_VALUE && sdiv == -1) {
                    throw new GuestFault(GuestFault.Kind.DIVIDE_ERROR, i.address, false);
                }
                q = sd / sdiv;
                rem = sd % sdiv;
                if (q != sx(q, size)) {
                    throw new GuestFault(GuestFault.Kind.DIVIDE_ERROR, i.address, false);
                }
            }
        } else if (!signed && hi == 0) {
            q = Long.divideUnsigned(lo, d);
            rem = Long.remainderUnsigned(lo, d);
        } else if (signed && hi == (lo >> 63) && !(lo == Long.MIN_VALUE && d == -1)) {
            q = lo / d;
            rem = lo % d;
        } else {
            // 128-by-64 division with a significant high half is rare: BigInteger is fine here
            BigInteger dividend = signed
                    ? BigInteger.valueOf(hi).shiftLeft(64).or(unsigned(lo))
                    : unsigned(hi).shiftLeft(64).or(unsigned(lo));
            BigInteger divisor = signed ? BigInteger.valueOf(d) : unsigned(d);
            BigInteger[] qr = dividend.divideAndRemainder(divisor);
            int limit = signed ? 63 : 64;
            if (qr[0].bitLength() > limit) {
                throw new GuestFault(GuestFault.Kind.DIVIDE_ERROR, i.address, false);
            }
            q = qr[0].longValue();
            rem = qr[1].longValue();
        }
        if (size == 1) {
            setReg(RAX, 2, true, (q & 0xFF) | ((rem & 0xFF) << 8));
        } else {
            setReg(RAX, size, true, q);
            setReg(RDX, size, true, rem);
        }
    }

    private static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
        return v < 0 ? b.setBit(63) : b;
    }

    private void cmpxchgDouble(Instruction i) {
        long a = ea(i);
        cpu.materializeFlags();
        if (i.opSize == 8) {
            if ((a & 15) != 0) {
                throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, i.address, false);
            }
            long lo = mem.read64(a);
            long hi = mem.read64(a + 8);
            if (lo == r[RAX] && hi == r[RDX]) {
                mem.write64(a, r[CpuState.RBX]);
                mem.write64(a + 8, r[RCX]);
                cpu.rflags |= ZF;
            } else {
                mem.write64(a, lo);
                mem.write64(a + 8, hi);
                r[RAX] = lo;
                r[RDX] = hi;
                cpu.rflags &= ~ZF;
            }
        } else {
            long v = mem.read64(a);
            long expect = (r[RAX] & 0xFFFFFFFFL) | (r[RDX] << 32);
            if (v == expect) {
                mem.write64(a, (r[CpuState.RBX] & 0xFFFFFFFFL) | (r[RCX] << 32));
                cpu.rflags |= ZF;
            } else {
                mem.write64(a, v);
                r[RAX] = v & 0xFFFFFFFFL;
                r[RDX] = v >>> 32;
                cpu.rflags &= ~ZF;
            }
        }
    }

    private void bitTest(Instruction i, Op op, int size) {
        int bits = size * 8;
        long offset = i.shape == Shape.E_G ? readG(i, size) : i.imm;
        long v;
        long address = 0;
        int bit;
        if (i.mod == 3 || i.shape != Shape.E_G) {
            bit = (int) (offset & (bits - 1));
            if (i.mod == 3) {
                v = readE(i, size);
            } else {
                address = ea(i);
                v = mem.read(address, size);
            }
        } else {
            // a register bit offset addresses a bit string: it may reach any operand-sized word
            long signedOffset = sx(offset, size);
            address = ea(i) + (signedOffset >> (size == 8 ? 6 : size == 4 ? 5 : 4)) * size;
            bit = (int) (signedOffset & (bits - 1));
            v = mem.read(address, size);
        }
        boolean set = ((v >>> bit) & 1) != 0;
        cpu.materializeFlags();
        cpu.rflags = (cpu.rflags & ~CF) | (set ? CF : 0);
        if (op == Op.BT) {
            return;
        }
        long nv = switch (op) {
            case BTS -> v | (1L << bit);
            case BTR -> v & ~(1L << bit);
            default -> v ^ (1L << bit);
        };
        if (i.mod == 3) {
            writeE(i, size, nv);
        } else {
            mem.write(address, size, nv);
        }
    }

    private void bitScan(Instruction i, Op op, int size) {
        long v = readE(i, size);
        boolean rep = (i.prefixes & Instruction.P_REP) != 0;
        int bits = size * 8;
        if (rep) {
            // TZCNT / LZCNT
            long count = op == Op.BSF
                    ? (v == 0 ? bits : Long.numberOfTrailingZeros(v))
                    : (v == 0 ? bits : Long.numberOfLeadingZeros(v) - (64 - bits));
            setStatus((v == 0 ? CF : 0) | (count == 0 ? ZF : 0));
            writeG(i, size, count);
            return;
        }
        if (v == 0) {
            setStatus(ZF);
            // the destination keeps its value (AMD documents it; Intel CPUs behave the same)
            return;
        }
        setStatus(0);
        writeG(i, size, op == Op.BSF ? Long.numberOfTrailingZeros(v) : 63 - Long.numberOfLeadingZeros(v));
    }
}
