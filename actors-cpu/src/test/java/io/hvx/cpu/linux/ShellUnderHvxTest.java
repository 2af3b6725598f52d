package io.hvx.cpu.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * busybox sh scripts under hvx against the same scripts run natively by Debian's busybox-static: processes
 * (fork, execve of applets through /proc/self/exe, wait), pipes, redirections, signals and file-system calls.
 */
class ShellUnderHvxTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> ENV = List.of("PATH=/bin:/usr/bin", "LC_ALL=C", "HOME=/tmp");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsBusybox() {
        Assumptions.assumeTrue(Files.isRegularFile(BUSYBOX),
                "needs Debian's busybox-static at /bin/busybox (apt-get install busybox-static)");
    }

    private NativeAndHvx.Outcome sameAsNative(String script) throws Exception {
        return NativeAndHvx.assertSame(dir, ENV, new byte[0], BUSYBOX, "sh", "-c", script);
    }

    @Test
    void loops_pipelines_and_command_substitution_match_native() throws Exception {
        NativeAndHvx.Outcome out = sameAsNative("""
                for i in 3 1 2; do echo "n=$i"; done | sort -r | while read l; do echo "got $l"; done
                x=$(echo inner | tr a-z A-Z); echo "sub=$x $(echo $(echo nested))"
                i=0; while [ $i -lt 4 ]; do i=$((i+1)); printf '%s,' $i; done; echo
                printf 'b\\na\\nc\\n' | sort | tr '\\n' ' ' | wc -c
                false | true; echo "pipe=$?"; (exit 7); echo "subshell=$?"
                exit 3
                """);
        assertTrue(out.stdout().contains("got n=3"), out.stdout());
    }

    @Test
    void redirections_descriptors_and_dev_null_match_native() throws Exception {
        sameAsNative("""
                echo hidden > /dev/null; echo "null=$?"
                exec 3>out3.txt; echo three >&3; echo four >&3; exec 3>&-; cat out3.txt
                echo err 2>&1 1>/dev/null >&2 | cat
                cat < out3.txt | wc -l
                read first < out3.txt; echo "first=$first"
                { echo a; echo b >&2; } 2>&1 | sort
                cat missing-file 2>/dev/null; echo "cat=$?"
                """);
    }

    @Test
    void file_system_calls_match_native() throws Exception {
        sameAsNative("""
                mkdir -p d1/d2 && touch d1/d2/f && echo hi > d1/g && ls -R d1
                mv d1/g d1/h && cat d1/h && ls d1
                ln -s h d1/link && readlink d1/link && cat d1/link
                rm -r d1 && test ! -e d1 && echo removed
                umask 027; touch um; stat -c '%a %s %F' um; mkdir umd; stat -c '%a %F' umd; rmdir umd
                echo abcdef > sized; stat -c '%s' sized; truncate -s 3 sized 2>/dev/null || dd if=/dev/null of=sized bs=1 seek=3 2>/dev/null; cat sized; echo
                cd /tmp && pwd && cd - >/dev/null && basename "$(pwd)"
                test -x /bin/busybox && echo executable
                """);
    }

    @Test
    void signals_reach_handlers_and_kill_children_as_native() throws Exception {
        NativeAndHvx.Outcome out = sameAsNative("""
                trap 'echo trapped USR1' USR1; kill -USR1 $$; echo after-trap
                sh -c 'kill -TERM $$'; echo "term=$?"
                sh -c 'kill -SEGV $$'; echo "segv=$?"
                sh -c 'kill -INT $$'; echo "int=$?"
                yes | head -n 2
                sh -c 'exit 9' & wait $!; echo "background=$?"
                trap 'echo got-chld' CHLD; sh -c 'exit 3' & wait; echo "waited=$?"; trap - CHLD
                { sleep 5; echo never; } & kill $!; wait $!; echo "killed=$?"
                nproc
                """);
        assertTrue(out.stdout().contains("term=143"), out.stdout());
    }

    @Test
    void tar_and_gzip_pipelines_round_trip_like_native() throws Exception {
        byte[] data = new byte[20_000];
        new Random(7).nextBytes(data);
        Files.write(dir.resolve("a.bin"), data);
        Files.writeString(dir.resolve("b.txt"), "some text\n".repeat(50));
        sameAsNative("""
                tar cf - a.bin b.txt | tar tf -
                gzip -c b.txt | gunzip | md5sum
                cat a.bin | gzip -c | gunzip -c | sha256sum
                tar cf - b.txt | gzip -c | gunzip -c | tar xOf - b.txt | wc -l
                """);
    }

    @Test
    void awk_with_floating_point_matches_native() throws Exception {
        Files.writeString(dir.resolve("in.txt"), "b 2.5\na 1.25\nc 3\n");
        sameAsNative("""
                awk '{ s += $2; printf "%s %.3f %e\\n", $1, $2 * 1.5, $2 / 3 } END { print s, s / 3, int(s * 7) % 5 }' in.txt
                """);
    }

    @Test
    void deep_recursion_grows_the_stack_past_its_first_mapping_like_native() throws Exception {
        // 2000 awk frames need more than 400 KiB of stack natively (they die with 400 KiB); hvx maps 128 KiB first
        sameAsNative("""
                awk -v n=2000 'function f(k) { return k == 0 ? 0 : 1 + f(k - 1) } BEGIN { print f(n) }'
                """);
    }

    @Test
    void a_program_missing_or_not_executable_fails_as_in_native_sh() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "plain\n");
        sameAsNative("""
                ./notes.txt; echo "noexec=$?"
                /nonexistent/prog; echo "missing=$?"
                """);
    }

    @Test
    void stdin_reaches_a_pipeline_inside_the_guest() throws Exception {
        byte[] in = "zeta\nalpha\nmid\n".getBytes();
        NativeAndHvx.Outcome out = NativeAndHvx.assertSame(dir, ENV, in, BUSYBOX, "sh", "-c",
                "sort | head -n 2; echo done");
        assertEquals("alpha\nmid\ndone\n", out.stdout());
    }

    @Test
    void poll_and_timed_reads_wait_for_a_slow_writer_like_native() throws Exception {
        sameAsNative("""
                (sleep 0.3; echo late) | { read -t 20 x; echo "got $x rc=$?"; }
                (sleep 0.2; echo data) | { read -t 0.05 y; echo "timeout rc=$? y=$y"; cat; }
                ls -a . | head -n 2
                """);
    }

    @Test
    void a_piped_stdin_is_not_a_terminal_as_natively() throws Exception {
        sameAsNative("""
                [ -t 0 ]; echo "tty0=$?"; [ -t 1 ]; echo "tty1=$?"
                stty size 2>/dev/null; echo "stty=$?"
                """);
    }

    @Test
    void a_terminal_stdin_answers_terminal_ioctls() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Stdio stdio = new Stdio(new java.io.ByteArrayInputStream(new byte[0]), out, new java.io.ByteArrayOutputStream(),
                true, false, false);
        try (LinuxProcess p = new LinuxProcess(BUSYBOX, ElfImage.parse(Files.readAllBytes(BUSYBOX)),
                List.of("sh", "-c", "[ -t 0 ]; echo \"tty0=$?\"; [ -t 1 ]; echo \"tty1=$?\"; stty -g >/dev/null; echo \"stty=$?\""),
                ENV, stdio, new java.io.PrintStream(new java.io.ByteArrayOutputStream()), dir)) {
            assertEquals(0, p.run());
        }
        assertEquals("tty0=0\ntty1=1\nstty=0\n", out.toString());
    }
}
