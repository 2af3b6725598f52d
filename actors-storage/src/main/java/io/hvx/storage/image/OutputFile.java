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
    private final java.util.List<Path[]> companions = new java.util.ArrayList<>();

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

    /**
     * A temporary path for another file of the same image (a VMDK extent) whose final name, in the target's
     * directory, is fileName; it is moved into place with the target, before it.
     */
    public Path companion(String fileName) {
        Path finalPath = target.resolveSibling(fileName);
        Path t = target.resolveSibling("." + fileName + ".hvx-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime() + ".part");
        companions.add(new Path[] {t, finalPath});
        return t;
    }

    /** Moves the finished file into place. */
    public void commit() throws IOException {
        for (Path[] c : companions) {
            move(c[0], c[1]);
        }
        move(temp, target);
    }

    /** Moves only the main file into place; companions are scratch files the caller deletes itself. */
    public void commitMain() throws IOException {
        move(temp, target);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Removes the partial file after a failure; never touches the final name. */
    public void abandon() {
        try {
            for (Path[] c : companions) {
                Files.deleteIfExists(c[0]);
            }
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // Nothing more to do: the partial file has a hidden name and the final name was never written.
        }
    }
}
