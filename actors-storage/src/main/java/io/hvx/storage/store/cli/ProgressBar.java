package io.hvx.storage.store.cli;

import io.hvx.storage.store.PushListener;
import java.io.PrintWriter;

/** A one-line progress bar redrawn only when the shown percentage changes. */
public final class ProgressBar implements PushListener {
    private static final int WIDTH = 40;
    private final PrintWriter out;
    private final long total;
    private final boolean enabled;
    private int shown = -1;

    public ProgressBar(PrintWriter out, long total, boolean enabled) {
        this.out = out;
        this.total = Math.max(1, total);
        this.enabled = enabled;
    }

    @Override
    public void progress(long done) {
        if (!enabled) {
            return;
        }
        int percent = (int) (done * 100 / total);
        if (percent != shown) {
            shown = percent;
            int filled = percent * WIDTH / 100;
            out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "%");
            out.flush();
        }
    }

    public void done() {
        if (enabled) {
            progress(total);
            out.println();
            out.flush();
        }
    }
}
