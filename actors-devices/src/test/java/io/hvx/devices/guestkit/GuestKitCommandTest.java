package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.TestGuestKit;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GuestKitCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GuestKitCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void prints_the_kernel_and_initrd_paths_of_the_kit() {
        GuestKit.Kit kit = TestGuestKit.require();
        Run run = run("--cache-dir", kit.kernel().getParent().toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("kernel: " + kit.kernel().toAbsolutePath() + "\ninitrd: " + kit.initrd().toAbsolutePath() + "\n",
            run.out());
    }

    @Test
    void a_cache_directory_that_cannot_be_created_exits_1_with_one_line(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("file"), "x");
        Run run = run("--cache-dir", dir.resolve("file/kit").toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("hvx guest-kit: cannot create the cache directory"), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
    }
}
