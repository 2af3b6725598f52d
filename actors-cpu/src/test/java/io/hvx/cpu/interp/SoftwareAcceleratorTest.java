package io.hvx.cpu.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.cpu.Accelerator;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import org.junit.jupiter.api.Test;

class SoftwareAcceleratorTest {
    private static final long CODE = 0x400000;

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private static SoftwareAccelerator load(GuestMemory mem, byte[] code, int perms) {
        mem.map(CODE, 4096, perms);
        mem.load(CODE, code, 0, code.length);
        CpuState cpu = new CpuState();
        cpu.rip = CODE;
        return new SoftwareAccelerator(cpu, mem);
    }

    @Test
    void code_rewritten_after_it_was_cached_runs_in_its_new_form() {
        byte[] code = b(
                0xBB, 0x07, 0x00, 0x00, 0x00,              // 0: mov ebx,7
                0x0F, 0x05,                                // 5: syscall
                0xC6, 0x05, 0xF3, 0xFF, 0xFF, 0xFF, 0x2A,  // 7: mov byte [rip-13],0x2a (the 7 above)
                0xEB, 0xF0);                               // 14: jmp 0
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, code, GuestMemory.READ | GuestMemory.WRITE | GuestMemory.EXEC);
            assertEquals(Accelerator.Exit.SYSCALL, acc.run(100));
            assertEquals(7, acc.cpu().regs[CpuState.RBX]);
            assertEquals(Accelerator.Exit.SYSCALL, acc.run(100));
            assertEquals(0x2A, acc.cpu().regs[CpuState.RBX]);
            assertTrue(acc.invalidations() > 0);
        }
    }

    @Test
    void a_loop_counts_down_through_cached_blocks() {
        byte[] code = b(
                0xB9, 0x40, 0x42, 0x0F, 0x00,  // mov ecx,1000000
                0x31, 0xC0,                    // xor eax,eax
                0x48, 0x01, 0xC8,              // add rax,rcx
                0xFF, 0xC9,                    // dec ecx
                0x75, 0xF9,                    // jnz -7
                0x0F, 0x05);                   // syscall
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, code, GuestMemory.READ | GuestMemory.EXEC);
            assertEquals(Accelerator.Exit.SYSCALL, acc.run(Long.MAX_VALUE));
            assertEquals(1_000_000L * 1_000_001L / 2, acc.cpu().regs[CpuState.RAX]);
            assertEquals(3_000_003L, acc.retired());
        }
    }

    @Test
    void an_undefined_opcode_raises_ud_at_its_address() {
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, b(0x90, 0x0F, 0x0B), GuestMemory.READ | GuestMemory.EXEC);
            assertEquals(Accelerator.Exit.FAULT, acc.run(10));
            assertEquals(GuestFault.Kind.UNDEFINED_OPCODE, acc.fault().kind());
            assertEquals(CODE + 1, acc.cpu().rip);
        }
    }

    @Test
    void a_store_to_a_read_only_page_faults_and_leaves_rip_on_the_store() {
        // mov [rip+0],eax writes into the code page, which is not writable
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, b(0x89, 0x05, 0, 0, 0, 0), GuestMemory.READ | GuestMemory.EXEC);
            assertEquals(Accelerator.Exit.FAULT, acc.run(10));
            assertEquals(GuestFault.Kind.PAGE_FAULT, acc.fault().kind());
            assertTrue(acc.fault().write());
            assertEquals(CODE, acc.cpu().rip);
        }
    }

    @Test
    void jumping_to_unmapped_memory_is_a_page_fault_not_a_crash() {
        // jmp rax with rax = 0xdead0000
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, b(0xFF, 0xE0), GuestMemory.READ | GuestMemory.EXEC);
            acc.cpu().regs[CpuState.RAX] = 0xDEAD0000L;
            assertEquals(Accelerator.Exit.FAULT, acc.run(10));
            assertEquals(GuestFault.Kind.PAGE_FAULT, acc.fault().kind());
            assertEquals(0xDEAD0000L, acc.fault().address());
        }
    }

    @Test
    void the_interpreter_loop_allocates_nothing_per_instruction() {
        byte[] code = b(
                0xB9, 0x40, 0x42, 0x0F, 0x00,  // mov ecx,1000000
                0x31, 0xC0,                    // xor eax,eax
                0x48, 0x01, 0xC8,              // add rax,rcx
                0x48, 0x89, 0x44, 0x24, 0xF8,  // mov [rsp-8],rax
                0x48, 0x33, 0x44, 0x24, 0xF8,  // xor rax,[rsp-8]
                0xFF, 0xC9,                    // dec ecx
                0x75, 0xEF,                    // jnz -17
                0x0F, 0x05);                   // syscall
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, code, GuestMemory.READ | GuestMemory.EXEC);
            mem.map(0x7000_0000L, 4096, GuestMemory.READ | GuestMemory.WRITE);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long allocated = 0;
            for (int round = 0; round < 3; round++) {
                acc.cpu().rip = CODE;
                acc.cpu().regs[CpuState.RSP] = 0x7000_0800L;
                long before = threads.getCurrentThreadAllocatedBytes();
                assertEquals(Accelerator.Exit.SYSCALL, acc.run(Long.MAX_VALUE));
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            // 5 million instructions per round: anything per instruction would be megabytes
            assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for 5M instructions");
        }
    }

    private static final long DATA = 0x7000_0000L;

    private static int[] withAddress(int[] code, int at, long address) {
        for (int k = 0; k < 8; k++) {
            code[at + k] = (int) (address >>> (8 * k)) & 0xFF;
        }
        return code;
    }

    @Test
    void a_translated_block_that_rewrites_its_own_next_instruction_runs_the_new_bytes() {
        // the loop block is translated after BlockCompiler.HOT runs; when ecx reaches 500 its store goes to the
        // immediate of the add right after it instead of the data page, and from then on the add adds 500
        int[] code = withAddress(new int[] {
                0xB9, 0xE8, 0x03, 0x00, 0x00,              // 0: mov ecx,1000
                0x31, 0xC0,                                // 5: xor eax,eax
                0x48, 0xBA, 0, 0, 0, 0, 0, 0, 0, 0,        // 7: mov rdx,DATA
                0x48, 0x8D, 0x35, 0x10, 0x00, 0x00, 0x00,  // 17: lea rsi,[rip+16] (the add's immediate)
                0x81, 0xF9, 0xF4, 0x01, 0x00, 0x00,        // 24: cmp ecx,500
                0x48, 0x89, 0xD7,                          // 30: mov rdi,rdx
                0x48, 0x0F, 0x44, 0xFE,                    // 33: cmove rdi,rsi
                0x89, 0x0F,                                // 37: mov [rdi],ecx
                0x05, 0x01, 0x00, 0x00, 0x00,              // 39: add eax,1
                0xFF, 0xC9,                                // 44: dec ecx
                0x75, 0xE8,                                // 46: jnz 24
                0x0F, 0x05}, 9, DATA);                     // 48: syscall
        byte[] bytes = b(code);
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, bytes, GuestMemory.READ | GuestMemory.WRITE | GuestMemory.EXEC);
            mem.map(DATA, 4096, GuestMemory.READ | GuestMemory.WRITE);
            assertEquals(Accelerator.Exit.SYSCALL, acc.run(Long.MAX_VALUE));
            assertEquals(500 * 1 + 500 * 500, acc.cpu().regs[CpuState.RAX]);
            assertEquals(4 + 7 * 1000 + 1, acc.retired());
        }
    }

    @Test
    void a_fault_inside_a_translated_block_leaves_rip_on_the_faulting_instruction() {
        // the loop reads dword after dword until it walks off the one data page, long after being translated
        int[] code = withAddress(new int[] {
                0xB9, 0xD0, 0x07, 0x00, 0x00,              // 0: mov ecx,2000
                0x48, 0xBF, 0, 0, 0, 0, 0, 0, 0, 0,        // 5: mov rdi,DATA
                0x8B, 0x07,                                // 15: mov eax,[rdi]
                0x48, 0x83, 0xC7, 0x04,                    // 17: add rdi,4
                0xFF, 0xC9,                                // 21: dec ecx
                0x75, 0xF6,                                // 23: jnz 15
                0x0F, 0x05}, 7, DATA);                     // 25: syscall
        byte[] bytes = b(code);
        try (GuestMemory mem = new GuestMemory()) {
            SoftwareAccelerator acc = load(mem, bytes, GuestMemory.READ | GuestMemory.EXEC);
            mem.map(DATA, 4096, GuestMemory.READ | GuestMemory.WRITE);
            assertEquals(Accelerator.Exit.FAULT, acc.run(Long.MAX_VALUE));
            assertEquals(GuestFault.Kind.PAGE_FAULT, acc.fault().kind());
            assertEquals(DATA + 4096, acc.fault().address());
            assertEquals(CODE + 15, acc.cpu().rip);
            assertEquals(DATA + 4096, acc.cpu().regs[CpuState.RDI]);
            assertEquals(2 + 1024 * 4, acc.retired());
        }
    }
}
