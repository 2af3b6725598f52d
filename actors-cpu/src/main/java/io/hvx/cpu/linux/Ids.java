package io.hvx.cpu.linux;

/** The host user and group the guest runs as (it sees the ids of the JVM's user, as a native program would). */
final class Ids {
    private Ids() {
    }

    static final long UID = new com.sun.security.auth.module.UnixSystem().getUid();
    static final long GID = new com.sun.security.auth.module.UnixSystem().getGid();
}
