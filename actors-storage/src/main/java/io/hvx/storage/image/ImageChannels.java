package io.hvx.storage.image;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens an image file's channel for a format parser and closes it again when the parser refuses the file. */
public final class ImageChannels {

    /** Reads a format's headers and tables from an open channel; it owns the channel once it returns. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(FileChannel channel) throws IOException;
    }

    private ImageChannels() {
    }

    public static <T> T open(Path path, boolean readOnly, Parser<T> parser) throws IOException {
        FileChannel channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return parser.parse(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
