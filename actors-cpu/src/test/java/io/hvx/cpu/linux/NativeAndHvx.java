package io.hvx.cpu.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one static program natively and under hvx with the same arguments, stdin, cwd and environment. */
final class NativeAndHvx {
    private NativeAndHvx() {
    }

    record Outcome(int status, String stdout, String stderr) {
    }

    static Outcome host(Path cwd, List<String> env, byte[] stdin, Path program, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(program.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().clear();
        for (String e : env) {
            int eq = e.indexOf('=');
            pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Process p = pb.start();
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errPump = Thread.ofPlatform().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        errPump.join();
        return new Outcome(p.exitValue(), out, err.toString());
    }

    /** The guest starts in {@code cwd}, as the native run does. */
    static Outcome hvx(Path cwd, List<String> env, byte[] stdin, Path program, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(program.toString()));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        Stdio stdio = new Stdio(new ByteArrayInputStream(stdin), out, err);
        try (LinuxProcess p = new LinuxProcess(program, ElfImage.parse(Files.readAllBytes(program)), argv, env, stdio,
                new PrintStream(diag, true), cwd)) {
            int status = p.run();
            return new Outcome(status, out.toString(), err.toString() + diag);
        }
    }

    /** Same stdout and exit status natively and under hvx; returns hvx's outcome for further checks. */
    static Outcome assertSame(Path cwd, List<String> env, byte[] stdin, Path program, String... args)
            throws Exception {
        Outcome expected = host(cwd, env, stdin, program, args);
        Outcome actual = hvx(cwd, env, stdin, program, args);
        String what = program.getFileName() + " " + String.join(" ", args);
        assertEquals(expected.stdout(), actual.stdout(), what + "\nhvx stderr:\n" + actual.stderr());
        assertEquals(expected.status(), actual.status(), "exit status of " + what + "\nhvx stderr:\n"
                + actual.stderr());
        return actual;
    }
}
