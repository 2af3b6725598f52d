package io.hvx.storage.nbd;

import java.util.concurrent.atomic.AtomicLong;

/** What the NBD server did and refused, readable from outside (the node's HTTP endpoint). */
public final class NbdCounters {
    final AtomicLong connections = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong bytesWritten = new AtomicLong();
    final AtomicLong refusedRequests = new AtomicLong();
    final AtomicLong protocolErrors = new AtomicLong();

    /** A copy of the counters as name to value, named {@code NBD_<WHAT>}. */
    public java.util.Map<String, Long> snapshot() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("NBD_CONNECTIONS", connections.get());
        m.put("NBD_REQUESTS", requests.get());
        m.put("NBD_BYTES_READ", bytesRead.get());
        m.put("NBD_BYTES_WRITTEN", bytesWritten.get());
        m.put("NBD_REFUSED_REQUESTS", refusedRequests.get());
        m.put("NBD_PROTOCOL_ERRORS", protocolErrors.get());
        return m;
    }
}
