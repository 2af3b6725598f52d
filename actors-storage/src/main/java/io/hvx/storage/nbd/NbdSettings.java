package io.hvx.storage.nbd;

import com.typesafe.config.Config;
import io.hvx.config.SettingsReader;

/** Settings of the node's NBD server ({@code hvx.storage.nbd}). */
public record NbdSettings(boolean enabled, String host, int port, int maxInFlight) {

    public static NbdSettings from(Config config) {
        SettingsReader nbd = SettingsReader.of(config, "hvx.storage.nbd");
        return new NbdSettings(nbd.bool("enabled"), nbd.nonEmptyString("host"), nbd.port("port"),
                nbd.intInRange("max-in-flight", 1, 1024));
    }
}
