package io.hvx.cpu.vm;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs commands in the guest kit's UART shell and returns what they printed. */
public final class GuestShell {
    /** Where typed bytes go: hvx's UART, or another emulator's standard input. */
    @FunctionalInterface
    public interface Keyboard {
        void type(byte[] bytes) throws InterruptedException;
    }

    private final Keyboard keyboard;
    private final Supplier<String> state;
    private final GuestConsole console;
    private int serial = 1000;

    public GuestShell(VirtualMachine vm, GuestConsole console) {
        this(vm::type, vm::describeVcpus, console);
    }

    /** A shell behind any keyboard; {@code state} describes the machine when a command does not finish. */
    public GuestShell(Keyboard keyboard, Supplier<String> state, GuestConsole console) {
        this.keyboard = keyboard;
        this.state = state;
        this.console = console;
    }

    /**
     * Types {@code command} and waits for it to finish; returns its output. The end marker is computed by
     * the guest shell so that the echoed command line cannot match it, and it may follow output that has no
     * final newline.
     */
    public String run(String command, Duration limit) throws InterruptedException {
        int n = ++serial;
        int mark = console.text().length();
        keyboard.type((command + "; echo @@$((" + n + "+0))\n").getBytes(StandardCharsets.US_ASCII));
        Matcher end;
        try {
            end = console.await(Pattern.compile("@@" + n + "\r?\n"), mark, limit);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + state.get(), e);
        }
        String text = console.text().substring(mark, end.start());
        // the terminal echoes the command line (twice when it was typed before the prompt: the tty's echo and the
        // shell's redraw), wrapped at its width: the output starts after the last echoed marker
        String echoed = "@@$((" + n + "+0))";
        int echo = text.lastIndexOf(echoed);
        int lineEnd = echo < 0 ? -1 : text.indexOf('\n', echo);
        return (lineEnd < 0 ? "" : text.substring(lineEnd + 1)).replace("\r", "");
    }

    public String run(String command) throws InterruptedException {
        return run(command, Duration.ofMinutes(2));
    }
}
