package io.hvx.cpu.system;

/** The guest could not deliver an exception (a triple fault): the vCPU stops and reports a shutdown. */
final class TripleFaultException extends RuntimeException {
    TripleFaultException(String reason) {
        super(reason, null, false, false);
    }
}
