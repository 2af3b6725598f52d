package io.hvx.devices.power;

import io.hvx.devices.bus.PortDevice;

/** Port 0x80: POST codes, and the port Linux writes to for short I/O delays; it only remembers the last code. */
public final class PostCodePort implements PortDevice {

    private volatile int lastCode;

    public int lastCode() {
        return lastCode;
    }

    @Override
    public int in(int port, int size) {
        return lastCode;
    }

    @Override
    public void out(int port, int size, int value) {
        lastCode = value & 0xff;
    }
}
