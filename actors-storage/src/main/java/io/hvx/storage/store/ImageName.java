package io.hvx.storage.store;

import java.util.regex.Pattern;

/** Checks the names of images, snapshots and volumes: they become object keys, file names and NBD export names. */
public final class ImageName {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private ImageName() {}

    /** Returns name, or throws naming what is allowed. */
    public static String check(String name) throws StoreException {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new BadImageNameException("bad image name '" + name
                    + "': use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }
}
