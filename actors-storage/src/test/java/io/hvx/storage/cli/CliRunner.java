package io.hvx.storage.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs `hvx image` in-process and captures what it prints. */
final class CliRunner {
    record Outcome(int exitCode, String out, String err) {}

    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ImageCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("hvx image: " + ex.getMessage());
            return 1;
        });
        int code = cl.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }
}
