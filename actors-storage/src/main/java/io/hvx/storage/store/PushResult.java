package io.hvx.storage.store;

/**
 * What a push did: bytesRead is data read from the source (zero extents are not read), bytesStored the
 * compressed bytes of chunks that were new to the store.
 */
public record PushResult(String name, long virtualSize, long chunks, long zeroChunks, long duplicateChunks,
        long newChunks, long bytesRead, long bytesStored) {

    /** Share of chunks that were all zeros. */
    public double zeroRatio() {
        return chunks == 0 ? 0 : (double) zeroChunks / chunks;
    }

    /** Share of non-zero chunks already in the store, or repeated within the image. */
    public double duplicateRatio() {
        long data = chunks - zeroChunks;
        return data == 0 ? 0 : (double) duplicateChunks / data;
    }
}
