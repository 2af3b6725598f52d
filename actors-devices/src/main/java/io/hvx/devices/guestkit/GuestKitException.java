package io.hvx.devices.guestkit;

/** The guest kit could not be built; the message names the step and what to do. */
public final class GuestKitException extends Exception {

    public GuestKitException(String message) {
        super(message);
    }
}
