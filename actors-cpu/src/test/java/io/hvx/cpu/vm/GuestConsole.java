package io.hvx.cpu.vm;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A guest console kept as text and searched by the test thread while vCPU threads append to it. */
public final class GuestConsole {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    public synchronized void write(int b) {
        bytes.write(b);
        notifyAll();
    }

    public synchronized String text() {
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    /** Waits until {@code pattern} matches the output after {@code from}; returns the match or fails. */
    public synchronized Matcher await(Pattern pattern, int from, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            Matcher m = pattern.matcher(text());
            if (m.find(Math.min(from, bytes.size()))) {
                return m;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                fail("no " + pattern + " on the console within " + limit + "; it ends with:\n" + tail());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    public synchronized String tail() {
        String t = text();
        return t.substring(Math.max(0, t.length() - 3000));
    }
}
