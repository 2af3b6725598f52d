package io.hvx.cpu.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signal delivery with hand-assembled programs (GNU as, bytes kept here): each runs natively too, and the
 * host's exit status is the expected one.
 */
class SignalsUnderHvxTest {
    @TempDir
    Path dir;

    /**
     * rt_sigaction(SIGSEGV, {handler, SA_SIGINFO|SA_RESTORER}); mov rax,[0x1234]; handler: exit_group(signo + si_addr)
     * (11 + 0x1234, low byte 63).
     */
    private static final String SEGV_HANDLER = "4883ec40488d05400000004889042448c74424080400000448c7442410000000"
            + "0048c744241800000000b80d000000bf0b0000004889e631d241ba080000000f05488b0425341200000f0b488b4610"
            + "4801c7b8e70000000f05";
    /**
     * rt_sigaction(SIGUSR1, {handler, SA_RESTORER, restorer}); ebx = 99; kill(getpid(), SIGUSR1); exit_group(ebx).
     * The handler writes 77 into the saved RBX of its ucontext and zeroes RBX: exit 77 proves the frame layout
     * and that rt_sigreturn restored the registers from it.
     */
    private static final String SIGRETURN = "4883ec40488d055c0000004889042448c744240800000004488d05560000004889"
            + "44241048c744241800000000b80d000000bf0a0000004889e631d241ba080000000f05bb63000000b8270000000f05"
            + "89c7be0a000000b83e0000000f0589dfb8e70000000f0548c782800000004d00000031dbc3b80f0000000f05";
    /** pipe2(fds, 0); close(fds[0]); write(fds[1], buf, 1); exit_group(0): SIGPIPE kills it first. */
    private static final String SIGPIPE = "4883ec10b8250100004889e731f60f058b3c24b8030000000f058b7c24044889e6"
            + "ba01000000b8010000000f0531ffb8e70000000f05";

    /** alarm(1); pause(); exit_group(0): SIGALRM's default action ends it first. */
    private static final String ALARM = "b825000000bf010000000f05b8220000000f0531ffb8e70000000f05";

    private int nativeStatus(byte[] image) throws Exception {
        Path prog = dir.resolve("prog");
        Files.write(prog, image);
        Files.setPosixFilePermissions(prog, PosixFilePermissions.fromString("rwx------"));
        Process p = new ProcessBuilder(prog.toString()).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue();
    }

    private static int hvxStatus(byte[] image) {
        try (LinuxProcess p = new LinuxProcess(ElfImage.parse(image), List.of("prog"), List.of(),
                new Stdio(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                        new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))) {
            return p.run();
        }
    }

    private void assertSameStatus(String hex, int expected) throws Exception {
        byte[] image = RunElfBadInputTest.elf(HexFormat.of().parseHex(hex));
        int host = nativeStatus(image);
        assertEquals(expected, host, "the host's own status for this program");
        assertEquals(host, hvxStatus(image));
    }

    @Test
    void a_sigsegv_handler_gets_the_signal_number_and_fault_address() throws Exception {
        assertSameStatus(SEGV_HANDLER, 63);
    }

    @Test
    void a_handler_returns_through_rt_sigreturn_with_the_registers_of_its_frame() throws Exception {
        assertSameStatus(SIGRETURN, 77);
    }

    @Test
    void writing_to_a_pipe_without_readers_kills_with_sigpipe() throws Exception {
        assertSameStatus(SIGPIPE, 128 + 13);
    }

    @Test
    @Timeout(30)
    void alarm_interrupts_pause_and_kills_with_sigalrm() throws Exception {
        assertSameStatus(ALARM, 128 + 14);
    }

    @Test
    @Timeout(30)
    void ctrl_c_from_the_host_ends_a_spinning_guest_with_sigint() throws Exception {
        byte[] spin = RunElfBadInputTest.elf(new byte[] {(byte) 0xEB, (byte) 0xFE}); // jmp $
        try (LinuxProcess p = new LinuxProcess(ElfImage.parse(spin), List.of("spin"), List.of(),
                new Stdio(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                        new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))) {
            int[] status = {-1};
            Thread runner = Thread.ofPlatform().start(() -> status[0] = p.run());
            Thread.sleep(200);
            p.hostSignal(2);
            runner.join(20_000);
            assertEquals(128 + 2, status[0]);
        }
    }
}
