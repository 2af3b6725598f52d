package io.hvx.cpu.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.bus.MmioDevice;
import io.hvx.devices.bus.PortDevice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Guest snippets in real, protected and long mode, checked through the results they leave in memory and registers. */
class SystemModeTest {
    private static final long RESULT = 0x5000;
    private static final String PRELUDE = """
            .set RESULT, 0x5000
            .macro GATE vec, handler, type=0x8E00, ist=0
              mov $\\handler, %eax
              mov %ax, idt+\\vec*16
              movw $0x10, idt+\\vec*16+2
              movw $(\\type+\\ist), idt+\\vec*16+4
              shr $16, %eax
              mov %ax, idt+\\vec*16+6
              movl $0, idt+\\vec*16+8
            .endm
            .code64
            .text
            start:
              mov $0x300000, %rsp
            """;
    private static final String IDT = """
            .align 16
            idtr: .word 256*16-1
                  .quad idt
            .align 16
            idt: .fill 256*16, 1, 0
            """;

    private static byte[] code(String body) throws Exception {
        return GuestCode.assemble(PRELUDE + body + IDT, TestMachine.CODE);
    }

    @Test
    void page_fault_is_delivered_with_error_code_cr2_and_the_faulting_rip() throws Exception {
        byte[] code = code("""
                  GATE 14, pf
                  lidt idtr
                  movabs $0x123456789000, %rax
                fault_at:
                  movq $1, (%rax)
                  hlt
                pf:
                  pop %rax
                  mov %rax, RESULT
                  mov %cr2, %rax
                  mov %rax, RESULT+8
                  mov (%rsp), %rax
                  mov %rax, RESULT+16
                  movq $fault_at, RESULT+24
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(2, m.read64(RESULT), "#PF error code: not present, write, supervisor");
            assertEquals(0x123456789000L, m.read64(RESULT + 8), "CR2");
            assertEquals(m.read64(RESULT + 24), m.read64(RESULT + 16), "the pushed RIP is the faulting instruction's");
        }
    }

    @Test
    void user_mode_reaches_the_kernel_through_syscall_and_faults_onto_the_tss_stack() throws Exception {
        byte[] code = code("""
                  GATE 13, gp
                  lidt idtr
                  lgdt gdtr
                  mov $tss, %eax
                  mov %ax, gdt+0x38+2
                  shr $16, %eax
                  mov %al, gdt+0x38+4
                  mov %ah, gdt+0x38+7
                  mov $0x38, %ax
                  ltr %ax
                  mov $0xC0000080, %ecx
                  rdmsr
                  or $1, %eax
                  wrmsr
                  mov $0xC0000082, %ecx
                  mov $entry, %eax
                  xor %edx, %edx
                  wrmsr
                  mov $0xC0000081, %ecx
                  xor %eax, %eax
                  mov $0x00230010, %edx
                  wrmsr
                  pushq $0x2B
                  pushq $0x280000
                  pushq $0x2
                  pushq $0x33
                  pushq $user
                  iretq
                user:
                  mov $42, %edi
                  syscall
                after_syscall:
                  mov %cs, %eax
                  mov %eax, %ebx
                  out %al, $0x80
                  hlt
                entry:
                  mov %rdi, RESULT
                  mov %rcx, RESULT+8
                  movq $after_syscall, RESULT+48
                  sysretq
                gp:
                  pop %rax
                  mov %rax, RESULT+16
                  mov 8(%rsp), %rax
                  mov %rax, RESULT+24
                  mov 32(%rsp), %rax
                  mov %rax, RESULT+32
                  mov %rsp, RESULT+40
                  mov %rbx, RESULT+56
                  hlt
                .align 16
                gdtr: .word gdt_end-gdt-1
                      .quad gdt
                .align 16
                gdt: .quad 0, 0, 0x00AF9B000000FFFF, 0x00CF93000000FFFF
                     .quad 0x00CFFB000000FFFF, 0x00CFF3000000FFFF, 0x00AFFB000000FFFF
                     .quad 0x0000890000000067, 0
                gdt_end:
                .align 16
                tss: .long 0
                     .quad 0x290000
                     .fill 92, 1, 0
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            userAccessible(m);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(42, m.read64(RESULT), "RDI arrives in the kernel");
            assertEquals(m.read64(RESULT + 48), m.read64(RESULT + 8), "RCX holds the return RIP");
            assertEquals(0x33, m.read64(RESULT + 56), "SYSRET returns to CPL 3 with the 64-bit user CS");
            assertEquals(0, m.read64(RESULT + 16), "OUT at CPL 3 with IOPL 0 is #GP(0)");
            assertEquals(0x33, m.read64(RESULT + 24), "the frame holds the user CS");
            assertEquals(0x2B, m.read64(RESULT + 32), "the frame holds the user SS");
            assertEquals(0x290000 - 40, m.read64(RESULT + 40), "the handler runs on RSP0 from the TSS (6 slots pushed, 1 popped)");
        }
    }

    /** Sets U/S in every paging-structure entry of the boot tables, so CPL 3 may use the identity map. */
    private static void userAccessible(TestMachine m) {
        for (long a = TestMachine.TABLES + 4096; a < TestMachine.TABLES + BootState.TABLES_SIZE; a += 8) {
            long e = m.read64(a);
            if ((e & 1) != 0) {
                m.memory.write(a, 8, e | 4);
            }
        }
    }

    @Test
    void port_and_mmio_accesses_reach_the_devices_on_the_bus() throws Exception {
        byte[] code = code("""
                  mov $0x55, %al
                  out %al, $0x80
                  in $0x81, %al
                  mov %al, RESULT
                  mov $0xFEE000B0, %ebx
                  movl $0xDEADBEEF, (%rbx)
                  mov $0xFEE00020, %ebx
                  mov (%rbx), %eax
                  mov %eax, RESULT+8
                  mov $0x81, %dx
                  mov $0x1234, %ax
                  out %ax, %dx
                  cli
                  hlt
                """);
        List<String> log = new ArrayList<>();
        try (TestMachine m = new TestMachine(8 << 20)) {
            m.bus.registerPorts(0x80, 2, new PortDevice() {
                @Override
                public int in(int port, int size) {
                    log.add("in %x/%d".formatted(port, size));
                    return 0x77;
                }

                @Override
                public void out(int port, int size, int value) {
                    log.add("out %x/%d=%x".formatted(port, size, value));
                }
            });
            m.bus.registerMmio(0xFEE00000L, 0x1000, new MmioDevice() {
                @Override
                public long read(long offset, int size) {
                    log.add("read %x/%d".formatted(offset, size));
                    return 0x50014;
                }

                @Override
                public void write(long offset, int size, long value) {
                    log.add("write %x/%d=%x".formatted(offset, size, value));
                }
            });
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(List.of("out 80/1=55", "in 81/1", "write b0/4=deadbeef", "read 20/4", "out 81/2=1234"), log);
            assertEquals(0x77, m.read64(RESULT) & 0xFF);
            assertEquals(0x50014, m.read64(RESULT + 8) & 0xFFFFFFFFL);
        }
    }

    @Test
    void an_undeliverable_exception_ends_in_a_triple_fault() throws Exception {
        byte[] code = code("""
                  lidt idtr
                  ud2
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            VcpuExit exit = vcpu.run(10_000);
            assertInstanceOf(VcpuExit.TripleFault.class, exit, exit.toString());
        }
    }

    @Test
    void an_external_interrupt_wakes_hlt_after_the_sti_shadow_and_iretq_resumes() throws Exception {
        byte[] code = code("""
                  GATE 0x30, irq
                  lidt idtr
                  sti
                  hlt
                after_hlt:
                  cli
                  movq $after_hlt, RESULT+16
                  hlt
                irq:
                  incq RESULT
                  mov (%rsp), %rax
                  mov %rax, RESULT+8
                  iretq
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            m.interrupts.pending.add(0x30);
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(1, m.read64(RESULT), "the handler ran once");
            assertEquals(1, m.interrupts.acknowledged);
            assertEquals(m.read64(RESULT + 16), m.read64(RESULT + 8),
                    "the interrupt came after HLT (STI's shadow covers HLT), so it returns past HLT");
        }
    }

    @Test
    void invlpg_and_cr3_reloads_make_changed_page_tables_visible_and_walks_set_accessed_and_dirty() throws Exception {
        // PD entry for 0x40000000 (second GiB, first 2 MiB) lives at TABLES + 4 * 4096
        byte[] code = code("""
                  .set PDE, 0x10000 + 4*4096
                  movq $0x1111, 0x200000
                  movq $0x2222, 0x400000
                  movq $0x200083, PDE
                  invlpg 0x40000000
                  mov 0x40000000, %rax
                  mov %rax, RESULT
                  mov PDE, %rax
                  mov %rax, RESULT+16
                  movq $0x400083, PDE
                  mov %cr3, %rax
                  mov %rax, %cr3
                  mov 0x40000000, %rax
                  mov %rax, RESULT+8
                  movq $7, 0x40000008
                  mov PDE, %rax
                  mov %rax, RESULT+24
                  cli
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(0x1111, m.read64(RESULT));
            assertEquals(0x2222, m.read64(RESULT + 8));
            assertEquals(0x20, m.read64(RESULT + 16) & 0x60, "a read sets A only");
            assertEquals(0x60, m.read64(RESULT + 24) & 0x60, "a write sets A and D");
            assertEquals(7, m.read64(0x400008));
        }
    }

    @Test
    void real_mode_code_switches_through_protected_mode_into_long_mode() throws Exception {
        String source = """
                .set RESULT, 0x5000
                .text
                .code16
                rm:
                  cli
                  mov %cs, %ax
                  mov %ax, %ds
                  mov %ax, %ss
                  mov $0x1000, %sp
                  call sub16
                  lgdtl gdtr - rm
                  mov %cr0, %eax
                  or $1, %eax
                  mov %eax, %cr0
                  ljmpl $0x08, $pm32
                sub16:
                  mov $0x1234, %bx
                  ret
                .code32
                pm32:
                  mov $0x18, %ax
                  mov %ax, %ds
                  mov %ax, %es
                  mov %ax, %ss
                  mov $0x9000, %esp
                  push %ebx
                  mov %cr4, %eax
                  or $0x20, %eax
                  mov %eax, %cr4
                  mov $0x11000, %eax
                  mov %eax, %cr3
                  mov $0xC0000080, %ecx
                  rdmsr
                  or $0x100, %eax
                  wrmsr
                  mov %cr0, %eax
                  or $0x80000000, %eax
                  mov %eax, %cr0
                  ljmp $0x10, $lm64
                .code64
                lm64:
                  pop %rbx
                  movq $0x600DC0DE, RESULT
                  mov %rbx, RESULT+8
                  mov $0xC0000080, %ecx
                  rdmsr
                  mov %rax, RESULT+16
                  cli
                  hlt
                .align 16
                gdt: .quad 0, 0x00CF9A000000FFFF, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
                gdtr: .word 31
                      .long gdt
                """;
        byte[] code = GuestCode.assemble(source, 0x8000);
        try (TestMachine m = new TestMachine(8 << 20)) {
            BootState.linux64(m.memory, TestMachine.TABLES, 0, 0); // only for its page tables
            m.memory.load(0x8000, code);
            m.interrupts.startupVector = 0x08;
            Vcpu ap = new Vcpu(m.memory, m.interrupts, TscDeadline.NONE, new Tsc(System.nanoTime()), 1, 2,
                    BootState.waitForSipi());
            VcpuExit exit = ap.run(10_000);
            assertInstanceOf(VcpuExit.Halted.class, exit, exit.toString());
            assertEquals(0x600DC0DE, m.read64(RESULT), "64-bit code ran");
            assertEquals(0x1234, m.read64(RESULT + 8) & 0xFFFF, "16-bit CALL/RET and a 32-bit stack worked");
            assertEquals(0x500, m.read64(RESULT + 16) & 0xD00, "EFER: LME and LMA set, NXE clear");
            assertTrue(ap.system().longModeActive());
        }
    }

    @Test
    void code_rewritten_after_it_was_cached_runs_in_its_new_form() throws Exception {
        byte[] code = code("""
                  xor %ecx, %ecx
                again:
                  call patched
                  add %rax, RESULT
                  movl $100, patched+1
                  inc %ecx
                  cmp $2, %ecx
                  jne again
                  cli
                  hlt
                patched:
                  mov $1, %eax
                  ret
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(101, m.read64(RESULT), "the second call ran the patched immediate");
        }
    }

    @Test
    void a_counting_loop_runs_from_cached_blocks() throws Exception {
        byte[] code = code("""
                  mov $1000000, %ecx
                  xor %eax, %eax
                loop:
                  add %rcx, %rax
                  dec %ecx
                  jnz loop
                  mov %rax, RESULT
                  cli
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(Long.MAX_VALUE));
            assertEquals(1_000_000L * 1_000_001L / 2, m.read64(RESULT));
            assertTrue(vcpu.retired() > 3_000_000L);
            assertTrue(vcpu.blocksBuilt() < 20, "blocks are reused, not decoded again: " + vcpu.blocksBuilt());
        }
    }

    @Test
    void an_unknown_msr_raises_gp_at_rdmsr_and_known_ones_read_back() throws Exception {
        byte[] code = code("""
                  GATE 13, gp
                  lidt idtr
                  mov $0x277, %ecx
                  mov $0x00070406, %eax
                  mov $0x00070106, %edx
                  wrmsr
                  rdmsr
                  mov %eax, RESULT+16
                  mov %edx, RESULT+20
                  mov $0x48, %ecx
                fault_at:
                  rdmsr
                  hlt
                gp:
                  pop %rax
                  mov %rax, RESULT
                  mov (%rsp), %rax
                  mov %rax, RESULT+8
                  movq $fault_at, RESULT+24
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(0, m.read64(RESULT), "#GP(0)");
            assertEquals(m.read64(RESULT + 24), m.read64(RESULT + 8), "at the RDMSR (SPEC_CTRL 0x48 is absent)");
            assertEquals(0x0007010600070406L, m.read64(RESULT + 16), "PAT reads back");
        }
    }

    @Test
    void cpuid_names_the_vendor_and_the_tsc_and_apic_features_that_exist() throws Exception {
        byte[] code = code("""
                  xor %eax, %eax
                  cpuid
                  mov %ebx, RESULT
                  mov %edx, RESULT+4
                  mov %ecx, RESULT+8
                  mov $1, %eax
                  cpuid
                  mov %ecx, RESULT+16
                  mov %edx, RESULT+20
                  mov $0x15, %eax
                  cpuid
                  mov %eax, RESULT+24
                  mov %ebx, RESULT+28
                  mov %ecx, RESULT+32
                  mov $0x80000007, %eax
                  cpuid
                  mov %edx, RESULT+40
                  cli
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            byte[] vendor = new byte[12];
            m.memory.ram().asSlice(RESULT, 12).asByteBuffer().get(vendor);
            assertEquals("GenuineIntel", new String(vendor, java.nio.charset.StandardCharsets.US_ASCII));
            long ecx = m.read64(RESULT + 16) & 0xFFFFFFFFL;
            long edx = m.read64(RESULT + 16) >>> 32;
            assertEquals(1L << 9, edx & (1L << 9), "APIC");
            assertEquals(0, ecx & (1L << 21), "no x2APIC");
            assertEquals(1L << 24, ecx & (1L << 24), "TSC deadline");
            long ratio = m.read64(RESULT + 24);
            long tscHz = (m.read64(RESULT + 32) & 0xFFFFFFFFL) * (ratio >>> 32) / (ratio & 0xFFFFFFFFL);
            assertEquals(SystemCpuid.TSC_HZ, tscHz, "leaf 0x15 gives the TSC rate");
            assertEquals(1L << 8, m.read64(RESULT + 40) & (1L << 8), "invariant TSC");
        }
    }

    @Test
    void lsl_reads_the_limit_of_a_visible_descriptor_and_clears_zf_for_a_null_one() throws Exception {
        byte[] code = code("""
                  mov $0x18, %eax
                  lsl %eax, %ebx
                  setz RESULT
                  mov %ebx, RESULT+8
                  xor %eax, %eax
                  lsl %eax, %ebx
                  setz RESULT+1
                  cli
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(1, m.read64(RESULT) & 0xFF);
            assertEquals(0, (m.read64(RESULT) >>> 8) & 0xFF);
            assertEquals(0xFFFFFFFFL, m.read64(RESULT + 8) & 0xFFFFFFFFL, "flat 4 GiB limit");
        }
    }

    @Test
    void fxsave_and_fxrstor_carry_xmm_registers_and_mxcsr() throws Exception {
        byte[] code = code("""
                  movq $0x1122334455667788, %rax
                  movq %rax, %xmm3
                  fxsave 0x6000
                  pxor %xmm3, %xmm3
                  fxrstor 0x6000
                  movq %xmm3, RESULT
                  mov 0x6000+24, %eax
                  mov %eax, RESULT+8
                  cli
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            VcpuExit exit = vcpu.run(10_000);
            assertInstanceOf(VcpuExit.Halted.class, exit, exit.toString());
            assertEquals(0x1122334455667788L, m.read64(RESULT));
            assertEquals(0x1F80, m.read64(RESULT + 8) & 0xFFFFFFFFL, "MXCSR at offset 24");
        }
    }

    @Test
    void a_halted_vcpu_parks_until_another_thread_raises_an_interrupt() throws Exception {
        byte[] code = code("""
                  GATE 0x40, irq
                  lidt idtr
                  sti
                  hlt
                  cli
                  hlt
                irq:
                  movq $1, RESULT
                  iretq
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            var exit = new java.util.concurrent.CompletableFuture<VcpuExit>();
            Thread t = new Thread(() -> exit.complete(vcpu.run()));
            t.start();
            Thread.sleep(50);
            assertTrue(!exit.isDone(), "still halted with nothing pending");
            synchronized (m.interrupts) {
                m.interrupts.pending.add(0x40);
            }
            vcpu.wake();
            assertInstanceOf(VcpuExit.Halted.class, exit.get(5, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1, m.read64(RESULT));
        }
    }

    @Test
    void a_locked_read_modify_write_never_overwrites_another_vcpus_plain_store() throws Exception {
        // vCPU 0 toggles bit 8 of a word with LOCK OR/AND (as qspinlock sets its pending bit); vCPU 1 stores to
        // byte 0 of the same word with plain MOVs (as the lock owner releases) and reads each store back
        byte[] code = code("""
                  cmpq $0, 0x7000
                  jne second
                  mov $400000, %ecx
                one:
                  lock orl $0x100, RESULT
                  lock andl $0xFFFFFEFF, RESULT
                  dec %ecx
                  jnz one
                  cli
                  hlt
                second:
                  mov $200000, %ecx
                two:
                  movb %cl, RESULT
                  cmpb %cl, RESULT
                  je kept
                  incq RESULT+8
                kept:
                  dec %ecx
                  jnz two
                  cli
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            m.memory.load(TestMachine.CODE, code);
            Vcpu[] vcpus = new Vcpu[2];
            for (int k = 0; k < 2; k++) {
                BootState boot = BootState.linux64(m.memory, TestMachine.TABLES, TestMachine.CODE, 0);
                vcpus[k] = new Vcpu(m.memory, m.interrupts, TscDeadline.NONE, new Tsc(0), k, 2, boot);
            }
            var first = new java.util.concurrent.CompletableFuture<VcpuExit>();
            Thread t = new Thread(() -> first.complete(vcpus[0].run()));
            t.start();
            Thread.sleep(20); // let the first vCPU get into its loop
            m.memory.write(0x7000, 8, 1); // sends the second vCPU to the other loop
            assertInstanceOf(VcpuExit.Halted.class, vcpus[1].run());
            boolean overlapped = !first.isDone();
            assertInstanceOf(VcpuExit.Halted.class, first.get(60, java.util.concurrent.TimeUnit.SECONDS));
            org.junit.jupiter.api.Assumptions.assumeTrue(overlapped, "the two vCPUs did not run at the same time");
            assertEquals(0, m.read64(RESULT + 8), "plain stores overwritten by a locked read-modify-write");
            assertEquals(0, m.read64(RESULT) & 0x100, "bit 8 ends clear");
        }
    }

    @Test
    void lretq_to_compatibility_mode_can_turn_paging_off_and_on_and_lret_back_to_64_bit() throws Exception {
        // the shape of Linux 6.1's decompressor trampoline, which reprograms paging from 32-bit code
        byte[] code = code("""
                  lgdt gdtr
                  pushq $0x08
                  pushq $compat
                  lretq
                .code32
                compat:
                  mov %cr0, %eax
                  btr $31, %eax
                  mov %eax, %cr0
                  movl $0xC0000080, %ecx
                  rdmsr
                  mov %eax, RESULT+8
                  mov %cr0, %eax
                  bts $31, %eax
                  mov %eax, %cr0
                  pushl $0x10
                  pushl $back64
                  lret
                .code64
                back64:
                  movq $0x64, RESULT
                  cli
                  hlt
                .align 16
                gdtr: .word 31
                      .quad gdt
                gdt: .quad 0, 0x00CF9A000000FFFF, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            VcpuExit exit = vcpu.run(10_000);
            assertInstanceOf(VcpuExit.Halted.class, exit, exit.toString());
            assertEquals(0x64, m.read64(RESULT), "back in 64-bit mode");
            assertEquals(0x100, m.read64(RESULT + 8) & 0x500, "with paging off, EFER.LMA is clear and LME stays");
            assertTrue(vcpu.system().longModeActive());
        }
    }

    @Test
    void rep_outsb_and_rep_insb_move_strings_through_a_port() throws Exception {
        byte[] code = code("""
                  mov $msg, %esi
                  mov $3, %ecx
                  mov $0x80, %dx
                  rep outsb
                  mov $RESULT, %edi
                  mov $2, %ecx
                  mov $0x81, %dx
                  rep insb
                  mov %rcx, RESULT+8
                  cli
                  hlt
                msg: .ascii "hvx"
                """);
        StringBuilder out = new StringBuilder();
        try (TestMachine m = new TestMachine(8 << 20)) {
            m.bus.registerPorts(0x80, 2, new PortDevice() {
                private int next = 0x41;

                @Override
                public int in(int port, int size) {
                    return next++;
                }

                @Override
                public void out(int port, int size, int value) {
                    out.append((char) value);
                }
            });
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals("hvx", out.toString());
            assertEquals(0x4241, m.read64(RESULT) & 0xFFFF, "INSB stored the port's bytes in order");
            assertEquals(0, m.read64(RESULT + 8), "RCX counted down");
        }
    }

    @Test
    void divide_by_zero_raises_de_at_the_div_with_registers_unchanged() throws Exception {
        byte[] code = code("""
                  GATE 0, de
                  lidt idtr
                  mov $7, %eax
                  xor %ecx, %ecx
                div_at:
                  div %ecx
                  hlt
                de:
                  mov (%rsp), %rbx
                  mov %rbx, RESULT
                  movq $div_at, RESULT+8
                  mov %rax, RESULT+16
                  hlt
                """);
        try (TestMachine m = new TestMachine(8 << 20)) {
            Vcpu vcpu = m.longMode(code);
            assertInstanceOf(VcpuExit.Halted.class, vcpu.run(10_000));
            assertEquals(m.read64(RESULT + 8), m.read64(RESULT), "#DE points at the DIV");
            assertEquals(7, m.read64(RESULT + 16));
        }
    }
}
