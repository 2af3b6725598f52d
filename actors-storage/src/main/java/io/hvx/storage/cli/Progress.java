package io.hvx.storage.cli;

import java.io.PrintWriter;

/** qemu-img style "(NN.NN/100%)" progress line, redrawn only when the shown value changes. */
final class Progress {
    private final PrintWriter out;
    private final long total;
    private final boolean enabled;
    private int shown = -1;

    Progress(PrintWriter out, long total, boolean enabled) {
        this.out = out;
        this.total = Math.max(total, 1);
        this.enabled = enabled;
    }

    void update(long done) {
        if (!enabled) {
            return;
        }
        int hundredths = (int) (done * 10000 / total);
        if (hundredths != shown) {
            shown = hundredths;
            out.printf("    (%d.%02d/100%%)\r", hundredths / 100, hundredths % 100);
            out.flush();
        }
    }

    void done() {
        if (enabled) {
            update(total);
            out.println();
            out.flush();
        }
    }
}
