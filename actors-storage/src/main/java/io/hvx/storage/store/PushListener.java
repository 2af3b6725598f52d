package io.hvx.storage.store;

/** Told how far a push has come, in bytes of the source's virtual size. */
@FunctionalInterface
public interface PushListener {
    PushListener NONE = done -> {};

    void progress(long bytesDone);
}
