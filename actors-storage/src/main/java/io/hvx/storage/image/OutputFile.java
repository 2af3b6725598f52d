package io.hvx.storage.image;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A temporary name next to an output file, renamed onto it only once the file is complete. */
public final class OutputFile {
    private final Path target;
    private final Path temp;

    public OutputFile(Path target) {
        this.target = target.toAbsolutePath();
        this.temp = this.target.resolveSibling("." + this.target.getFileName() + ".hvx-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime() + ".part");
    }

    public Path temp() {
        return temp;
    }

    public Path target() {
        return target;
    }

    /** Moves the finished file into place. */
    public void commit() throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Removes the partial file after a failure; never touches the final name. */
    public void abandon() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // Nothing more to do: the partial file has a hidden name and the final name was never written.
        }
    }
}
