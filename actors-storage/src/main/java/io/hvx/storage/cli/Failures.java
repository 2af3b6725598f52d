package io.hvx.storage.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one-line messages users see; no stack traces reach the terminal. */
final class Failures {
    private Failures() {}

    static int report(PrintWriter err, Exception e, int exitCode) {
        err.println("hvx image: " + message(e));
        err.flush();
        return exitCode;
    }

    static String message(Exception e) {
        return switch (e) {
            case NoSuchFileException n -> "could not open '" + n.getFile() + "': no such file";
            case AccessDeniedException a -> "could not open '" + a.getFile() + "': permission denied";
            case FileAlreadyExistsException f -> "'" + f.getFile() + "' already exists";
            case IOException io when io.getMessage() != null -> io.getMessage();
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
    }
}
