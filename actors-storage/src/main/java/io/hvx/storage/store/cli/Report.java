package io.hvx.storage.store.cli;

import io.hvx.config.SettingsException;
import io.hvx.storage.store.PushResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/** Text shared by the store commands: sizes, push summaries, and one-line errors without stack traces. */
public final class Report {
    static final int FAILED = 1;
    static final int USAGE = 2;

    private Report() {}

    static int failure(PrintWriter err, Exception e) {
        String message = switch (e) {
            case NoSuchFileException n -> "could not open '" + n.getFile() + "': no such file";
            case AccessDeniedException a -> "could not open '" + a.getFile() + "': permission denied";
            case SettingsException s -> s.getMessage();
            case IllegalArgumentException bad -> bad.getMessage();
            case IOException io when io.getMessage() != null -> io.getMessage();
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
        err.println("hvx image: " + message);
        err.flush();
        return e instanceof SettingsException || e instanceof IllegalArgumentException ? USAGE : FAILED;
    }

    public static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    public static void push(PrintWriter out, PushResult r, double seconds) {
        out.printf(Locale.ROOT, "pushed '%s': %s virtual in %.1f s%n", r.name(), size(r.virtualSize()), seconds);
        out.printf(Locale.ROOT, "bytes read %d (%s), bytes stored %d (%s)%n", r.bytesRead(), size(r.bytesRead()),
                r.bytesStored(), size(r.bytesStored()));
        out.printf(Locale.ROOT, "chunks %d: zero %d (%s), duplicate %d (%s of non-zero), new %d%n", r.chunks(),
                r.zeroChunks(), percent(r.zeroRatio()), r.duplicateChunks(), percent(r.duplicateRatio()), r.newChunks());
        out.flush();
    }
}
