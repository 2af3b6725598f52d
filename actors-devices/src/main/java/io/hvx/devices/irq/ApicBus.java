package io.hvx.devices.irq;

import java.util.Arrays;

/**
 * Connects the local APICs of one VM with each other (IPIs) and with the I/O APIC (interrupt messages
 * and EOI broadcasts), like the APIC bus or system bus messages of a real machine.
 *
 * <p>APICs are attached while the machine is assembled; delivery afterwards walks fixed arrays and
 * allocates nothing, from any thread.
 */
public final class ApicBus {

    /** Destination shorthands of the ICR. */
    public static final int NO_SHORTHAND = 0;
    public static final int SELF = 1;
    public static final int ALL_INCLUDING_SELF = 2;
    public static final int ALL_EXCLUDING_SELF = 3;

    /** Receives the EOI of level-triggered vectors (the I/O APIC clears its remote IRR). */
    public interface EoiListener {
        void endOfInterrupt(int vector);
    }

    private LocalApic[] apics = new LocalApic[0];
    private volatile EoiListener eoiListener = vector -> { };

    void attach(LocalApic apic) {
        for (LocalApic other : apics) {
            if (other.id() == apic.id()) {
                throw new IllegalArgumentException("APIC ID %d is attached twice".formatted(apic.id()));
            }
        }
        apics = Arrays.copyOf(apics, apics.length + 1);
        apics[apics.length - 1] = apic;
    }

    public void eoiListener(EoiListener listener) {
        this.eoiListener = listener;
    }

    /** The attached local APICs, in attach order (vCPU index order). */
    public LocalApic apic(int index) {
        return apics[index];
    }

    public int size() {
        return apics.length;
    }

    void broadcastEoi(int vector) {
        eoiListener.endOfInterrupt(vector);
    }

    /**
     * Sends an interrupt message to every APIC the destination selects.
     *
     * @param source the sending local APIC for IPIs (shorthands need it), or null for the I/O APIC
     * @return how many APICs accepted it
     */
    public int send(LocalApic source, int shorthand, int destination, boolean logical, int mode, int vector,
                    boolean levelTriggered) {
        int delivered = 0;
        boolean lowest = mode == DeliveryMode.LOWEST_PRIORITY;
        for (LocalApic apic : apics) {
            boolean selected = switch (shorthand) {
                case SELF -> apic == source;
                case ALL_INCLUDING_SELF -> true;
                case ALL_EXCLUDING_SELF -> apic != source;
                default -> matches(apic, destination, logical);
            };
            if (selected) {
                apic.accept(lowest ? DeliveryMode.FIXED : mode, vector, levelTriggered);
                delivered++;
                if (lowest) {
                    // lowest priority: one target is enough; the first (lowest index) is as good as any
                    break;
                }
            }
        }
        return delivered;
    }

    private static boolean matches(LocalApic apic, int destination, boolean logical) {
        if (!logical) {
            return destination == 0xff || destination == apic.id();
        }
        int ldr = apic.logicalId();
        if (apic.flatModel()) {
            return (ldr & destination) != 0;
        }
        // cluster model: high nibble selects the cluster (15 is broadcast), low nibble the members
        int cluster = destination >>> 4;
        return (cluster == 0xf || cluster == ldr >>> 4) && (destination & ldr & 0xf) != 0;
    }
}
