package io.hvx.cpu.interp;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import io.hvx.cpu.decode.Instruction;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;

/**
 * Translates a hot decoded block to a hidden JVM class whose {@code run} calls, in order, the {@link Interpreter}
 * method of each instruction's {@link FastForm} (direct calls the JIT inlines, no dispatch) and
 * {@link Interpreter#execute} for the generic ones. Exits as the interpreter loop does: after a
 * store that made the block stale, after a generic instruction that branched or returned a status.
 */
final class BlockCompiler {
    /** Interpreter runs of a block before it is translated. */
    static final int HOT = 64;

    private static final ClassDesc INTERPRETER = ClassDesc.of("io.hvx.cpu.interp.Interpreter");
    private static final ClassDesc BLOCK = ClassDesc.of("io.hvx.cpu.interp.Block");
    private static final ClassDesc COMPILED = ClassDesc.of("io.hvx.cpu.interp.CompiledBlock");
    private static final ClassDesc CPU = ClassDesc.of("io.hvx.cpu.interp.CpuState");
    private static final ClassDesc INSTRUCTION = ClassDesc.of("io.hvx.cpu.decode.Instruction");
    private static final MethodTypeDesc FORM = MethodTypeDesc.of(CD_void, INSTRUCTION);
    private static final MethodTypeDesc EXECUTE = MethodTypeDesc.of(CD_int, INSTRUCTION);
    private static final MethodTypeDesc RUN = MethodTypeDesc.of(CD_int, INTERPRETER, BLOCK);
    private static final MethodTypeDesc INIT = MethodTypeDesc.of(CD_void);
    private static final int IN = 1;
    private static final int BLK = 2;
    private static final int INSNS = 3;
    private static final int STATE = 4;
    private static final int STATUS = 5;

    private BlockCompiler() {
    }

    /** The block as a class; null when the JVM refuses it (the block then stays interpreted). */
    static CompiledBlock compile(Block block) {
        try {
            byte[] bytes = ClassFile.of().build(ClassDesc.of("io.hvx.cpu.interp.TranslatedBlock"), cb -> {
                cb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
                cb.withInterfaceSymbols(COMPILED);
                cb.withMethodBody("<init>", INIT, ClassFile.ACC_PUBLIC,
                        c -> c.aload(0).invokespecial(CD_Object, "<init>", INIT).return_());
                cb.withMethodBody("run", RUN, ClassFile.ACC_PUBLIC, c -> body(c, block));
            });
            // not STRONG: the class is unloaded with the block once the cache drops it
            Class<?> k = MethodHandles.lookup().defineHiddenClass(bytes, true).lookupClass();
            return (CompiledBlock) k.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | IllegalArgumentException e) {
            return null;
        }
    }

    private static void body(CodeBuilder c, Block block) {
        c.aload(BLK).getfield(BLOCK, "insns", INSTRUCTION.arrayType()).astore(INSNS);
        c.aload(IN).getfield(INTERPRETER, "cpu", CPU).astore(STATE);
        int n = block.count;
        for (int k = 0; k < n; k++) {
            Instruction i = block.insns[k];
            int form = i.form == 0 ? FastForm.classify(i) : i.form;
            i.form = form;
            boolean last = k == n - 1;
            boolean generic = form == FastForm.GENERIC || (form == FastForm.JCC && !last);
            if (generic || last || i.mod != 3 || form == FastForm.PUSH_R8 || form == FastForm.POP_R8) {
                // it may fault: the caller finds the instruction by this index
                c.aload(IN).loadConstant(k).putfield(INTERPRETER, "blockIndex", CD_int);
            }
            if (last && !generic) {
                // RIP first: a taken Jcc replaces it, the other forms leave it
                c.aload(STATE).loadConstant(i.next()).putfield(CPU, "rip", CD_long);
                c.aload(IN).aload(INSNS).loadConstant(k).aaload();
                c.invokevirtual(INTERPRETER, FastForm.method(form), FORM);
                c.loadConstant(n).ireturn();
                continue;
            }
            c.aload(IN).aload(INSNS).loadConstant(k).aaload();
            if (!generic) {
                c.invokevirtual(INTERPRETER, FastForm.method(form), FORM);
                if (FastForm.stores(form)) {
                    Label stillValid = c.newLabel();
                    c.aload(BLK).getfield(BLOCK, "valid", CD_boolean).ifne(stillValid);
                    c.aload(STATE).loadConstant(i.next()).putfield(CPU, "rip", CD_long);
                    c.loadConstant(k + 1).ireturn();
                    c.labelBinding(stillValid);
                }
                continue;
            }
            c.invokevirtual(INTERPRETER, "execute", EXECUTE).istore(STATUS);
            if (!last) {
                Label exit = c.newLabel();
                Label next = c.newLabel();
                c.iload(STATUS).ifne(exit);
                c.aload(STATE).getfield(CPU, "rip", CD_long).loadConstant(i.next()).lcmp().ifne(exit);
                c.aload(BLK).getfield(BLOCK, "valid", CD_boolean).ifeq(exit);
                c.goto_(next);
                c.labelBinding(exit);
                c.iload(STATUS).loadConstant(16).ishl().loadConstant(k + 1).ior().ireturn();
                c.labelBinding(next);
            } else {
                c.iload(STATUS).loadConstant(16).ishl().loadConstant(k + 1).ior().ireturn();
            }
        }
    }
}
