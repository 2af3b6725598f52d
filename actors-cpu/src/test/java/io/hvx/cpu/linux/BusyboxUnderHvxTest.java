package io.hvx.cpu.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's busybox-static is the peer: the same applet under hvx gives the native output and exit status. */
class BusyboxUnderHvxTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsBusybox() throws IOException {
        boolean present = Files.isRegularFile(BUSYBOX)
                && !ElfImage.parse(Files.readAllBytes(BUSYBOX)).segments().isEmpty();
        Assumptions.assumeTrue(present, "needs Debian's busybox-static at /bin/busybox (apt-get install busybox-static)");
    }

    record Outcome(int status, byte[] stdout) {
    }

    private static Outcome native_(byte[] stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(BUSYBOX.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        return new Outcome(p.waitFor(), out);
    }

    private static Outcome hvx(byte[] stdin, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(BUSYBOX.toString()));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        Stdio stdio = new Stdio(new ByteArrayInputStream(stdin), out, new ByteArrayOutputStream());
        try (LinuxProcess p = new LinuxProcess(ElfImage.parse(Files.readAllBytes(BUSYBOX)), argv,
                List.of("PATH=/bin:/usr/bin", "LC_ALL=C"), stdio, new PrintStream(diag))) {
            int status = p.run();
            return new Outcome(status, out.toByteArray());
        }
    }

    private static void assertSameAsNative(byte[] stdin, String... args) throws Exception {
        Outcome expected = native_(stdin, args);
        Outcome actual = hvx(stdin, args);
        assertEquals(new String(expected.stdout()), new String(actual.stdout()), String.join(" ", args));
        assertArrayEquals(expected.stdout(), actual.stdout());
        assertEquals(expected.status(), actual.status(), "exit status of " + String.join(" ", args));
    }

    private Path randomFile(int bytes) throws IOException {
        byte[] b = new byte[bytes];
        new Random(42).nextBytes(b);
        Path f = dir.resolve("data.bin");
        Files.write(f, b);
        return f;
    }

    @Test
    void echo_prints_its_arguments_like_native() throws Exception {
        assertSameAsNative(new byte[0], "echo", "hello", "from", "hvx");
    }

    @Test
    void sha256sum_of_a_file_matches_native_busybox() throws Exception {
        assertSameAsNative(new byte[0], "sha256sum", randomFile(200_000).toString());
    }

    @Test
    void md5sum_of_stdin_matches_native_busybox() throws Exception {
        byte[] in = Files.readAllBytes(randomFile(100_000));
        assertSameAsNative(in, "md5sum");
    }

    @Test
    void wc_counts_like_native_busybox() throws Exception {
        assertSameAsNative("one two\nthree four five\nsix\n".getBytes(), "wc");
    }

    @Test
    void exit_status_comes_back_as_the_guests() throws Exception {
        assertSameAsNative(new byte[0], "false");
        assertSameAsNative(new byte[0], "true");
    }

    @Test
    void a_missing_file_gives_the_native_error_status() throws Exception {
        assertSameAsNative(new byte[0], "cat", dir.resolve("missing").toString());
    }

    @Test
    void sort_sed_and_grep_extended_filter_stdin_like_native() throws Exception {
        byte[] text = "pear 3\napple 10\nfig 7\nbanana 22\n".getBytes();
        assertSameAsNative(text, "sort");
        assertSameAsNative(text, "sed", "s/a/A/g;s/[0-9]/#/");
        assertSameAsNative(text, "grep", "-E", "[0-9]{2}$");
    }

    @Test
    void gzip_output_is_byte_identical_and_gunzip_restores_the_input() throws Exception {
        Path f = randomFile(60_000);
        assertSameAsNative(new byte[0], "gzip", "-c", f.toString());
        Process gz = new ProcessBuilder(BUSYBOX.toString(), "gzip", "-c", f.toString()).start();
        byte[] compressed = gz.getInputStream().readAllBytes();
        gz.waitFor();
        assertArrayEquals(Files.readAllBytes(f), hvx(compressed, "gunzip", "-c").stdout());
    }

    @Test
    void shell_script_with_a_loop_and_arithmetic_exits_with_its_status() throws Exception {
        assertSameAsNative(new byte[0], "sh", "-c", "i=0; while [ $i -lt 5 ]; do echo line $i; i=$((i+1)); done; exit 3");
    }
}
