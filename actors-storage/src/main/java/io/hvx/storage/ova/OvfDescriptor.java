package io.hvx.storage.ova;

import io.hvx.storage.block.ImageFormatException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The parts of an OVF envelope hvx uses: the virtual system's name, CPUs, memory, NICs and disks. */
public record OvfDescriptor(String name, int cpus, long memoryBytes, List<Nic> nics, List<Disk> disks) {
    static final String OVF = "http://schemas.dmtf.org/ovf/envelope/1";
    static final String STREAM_OPTIMIZED = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";
    private static final int MAX_BYTES = 4 << 20;

    /** A network adapter: the logical network it connects to and its device type (E1000, VmxNet3, ...). */
    public record Nic(String network, String adapterType) {}

    /** A disk: the archive member holding it, its capacity and the format URI the descriptor gives. */
    public record Disk(String diskId, String file, long capacityBytes, String format) {}

    public OvfDescriptor {
        nics = List.copyOf(nics);
        disks = List.copyOf(disks);
    }

    public static OvfDescriptor parse(byte[] xml) throws ImageFormatException {
        if (xml.length > MAX_BYTES) {
            throw new ImageFormatException("OVF descriptor is larger than 4 MiB");
        }
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            // Descriptors come from outside: no DTDs, no external entities.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new ImageFormatException("OVF descriptor is not well-formed XML: " + oneLine(e.getMessage()));
        }
        Element env = doc.getDocumentElement();
        if (!"Envelope".equals(env.getLocalName())) {
            throw new ImageFormatException("OVF descriptor has no Envelope element");
        }
        Map<String, String> files = new HashMap<>();
        for (Element file : all(env, "File")) {
            files.put(attr(file, "id"), attr(file, "href"));
        }
        Map<String, Disk> disksById = new HashMap<>();
        for (Element d : all(env, "Disk")) {
            String id = attr(d, "diskId");
            String file = files.get(attr(d, "fileRef"));
            if (file == null) {
                throw new ImageFormatException("OVF disk '" + id + "' refers to no file in References");
            }
            long capacity = quantity(attr(d, "capacity"), attr(d, "capacityAllocationUnits"), "disk capacity");
            String compression = null;
            for (Element fe : all(env, "File")) {
                if (attr(fe, "id").equals(attr(d, "fileRef"))) {
                    compression = attr(fe, "compression");
                }
            }
            if (compression != null && !compression.isEmpty() && !compression.equals("identity")) {
                throw new ImageFormatException("OVF disk file '" + file + "' is " + compression
                        + "-compressed, which is not supported");
            }
            disksById.put(id, new Disk(id, file, capacity, attr(d, "format")));
        }
        List<Element> systems = all(env, "VirtualSystem");
        if (systems.isEmpty()) {
            throw new ImageFormatException("OVF descriptor has no VirtualSystem");
        }
        Element vs = systems.get(0);
        String name = text(vs, "Name");
        if (name == null || name.isBlank()) {
            name = attr(vs, "id");
        }
        int cpus = 1;
        long memory = 0;
        List<Nic> nics = new ArrayList<>();
        List<Disk> disks = new ArrayList<>();
        for (Element item : all(vs, "Item")) {
            String type = text(item, "ResourceType");
            switch (type == null ? "" : type.trim()) {
                case "3" -> cpus = (int) Math.max(1, Math.min(4096, quantity(text(item, "VirtualQuantity"), null,
                        "CPU count")));
                case "4" -> memory = quantity(text(item, "VirtualQuantity"), text(item, "AllocationUnits"), "memory");
                case "10" -> nics.add(new Nic(orEmpty(text(item, "Connection")), orEmpty(text(item,
                        "ResourceSubType"))));
                case "17" -> {
                    String host = orEmpty(text(item, "HostResource"));
                    String id = host.substring(host.lastIndexOf('/') + 1);
                    Disk d = disksById.get(id);
                    if (d == null) {
                        throw new ImageFormatException("OVF disk item refers to unknown disk '" + host + "'");
                    }
                    disks.add(d);
                }
                default -> { }
            }
        }
        if (disks.isEmpty()) {
            disks.addAll(disksById.values());
        }
        return new OvfDescriptor(name, cpus, memory, nics, disks);
    }

    /** Parses a quantity with OVF's programmatic units ("byte * 2^20", "MegaBytes", "GB"). */
    static long quantity(String value, String units, String what) throws ImageFormatException {
        if (value == null || value.isBlank()) {
            throw new ImageFormatException("OVF " + what + " is missing");
        }
        long v;
        try {
            v = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ImageFormatException("OVF " + what + " '" + value + "' is not a number");
        }
        int shift = 0;
        if (units != null && !units.isBlank()) {
            String u = units.replace(" ", "").toLowerCase(Locale.ROOT);
            Matcher m = Pattern.compile("byte\\*2\\^(\\d+)").matcher(u);
            if (m.matches()) {
                shift = Integer.parseInt(m.group(1));
            } else {
                shift = switch (u) {
                    case "byte", "bytes" -> 0;
                    case "kilobytes", "kb", "kib" -> 10;
                    case "megabytes", "mb", "mib" -> 20;
                    case "gigabytes", "gb", "gib" -> 30;
                    case "terabytes", "tb", "tib" -> 40;
                    default -> throw new ImageFormatException("OVF " + what + " has unknown units '" + units + "'");
                };
            }
        }
        if (v < 0 || shift > 62 || (v > 0 && Long.numberOfLeadingZeros(v) <= shift)) {
            throw new ImageFormatException("OVF " + what + " '" + value + " " + units + "' is out of range");
        }
        return v << shift;
    }

    private static List<Element> all(Element root, String local) {
        List<Element> out = new ArrayList<>();
        NodeList l = root.getElementsByTagNameNS("*", local);
        for (int i = 0; i < l.getLength(); i++) {
            out.add((Element) l.item(i));
        }
        return out;
    }

    private static String text(Element parent, String local) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && local.equals(e.getLocalName())) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    private static String attr(Element e, String local) {
        String v = e.getAttributeNS(OVF, local);
        if (v.isEmpty()) {
            v = e.getAttribute("ovf:" + local);
        }
        return v;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ');
    }

    /** An OVF 1.0 envelope for one VM with one streamOptimized disk, in the shape VMware and VirtualBox export. */
    public static String render(String name, int cpus, long memoryMiB, List<String> networks, String diskFile,
            long diskFileSize, long capacity) {
        String n = xml(name);
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<Envelope ovf:version=\"1.0\" xml:lang=\"en-US\" xmlns=\"").append(OVF).append("\" xmlns:ovf=\"")
                .append(OVF).append("\" xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
                        + "CIM_ResourceAllocationSettingData\" xmlns:vssd=\"http://schemas.dmtf.org/wbem/wscim/1/"
                        + "cim-schema/2/CIM_VirtualSystemSettingData\" xmlns:xsi=\"http://www.w3.org/2001/"
                        + "XMLSchema-instance\">\n");
        b.append("  <References>\n    <File ovf:href=\"").append(xml(diskFile)).append("\" ovf:id=\"file1\" ovf:size=\"")
                .append(diskFileSize).append("\"/>\n  </References>\n");
        b.append("  <DiskSection>\n    <Info>Virtual disk information</Info>\n");
        b.append("    <Disk ovf:capacity=\"").append(capacity).append("\" ovf:capacityAllocationUnits=\"byte\" "
                + "ovf:diskId=\"vmdisk1\" ovf:fileRef=\"file1\" ovf:format=\"").append(STREAM_OPTIMIZED)
                .append("\"/>\n  </DiskSection>\n");
        b.append("  <NetworkSection>\n    <Info>The list of logical networks</Info>\n");
        for (String net : networks) {
            b.append("    <Network ovf:name=\"").append(xml(net)).append("\">\n      <Description>The ")
                    .append(xml(net)).append(" network</Description>\n    </Network>\n");
        }
        b.append("  </NetworkSection>\n");
        b.append("  <VirtualSystem ovf:id=\"").append(n).append("\">\n    <Info>A virtual machine</Info>\n");
        b.append("    <Name>").append(n).append("</Name>\n");
        b.append("    <OperatingSystemSection ovf:id=\"94\">\n      <Info>The kind of installed guest operating system"
                + "</Info>\n    </OperatingSystemSection>\n");
        b.append("    <VirtualHardwareSection>\n      <Info>Virtual hardware requirements</Info>\n");
        b.append("      <System>\n        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>\n"
                + "        <vssd:InstanceID>0</vssd:InstanceID>\n        <vssd:VirtualSystemIdentifier>").append(n)
                .append("</vssd:VirtualSystemIdentifier>\n        <vssd:VirtualSystemType>vmx-07</vssd:"
                        + "VirtualSystemType>\n      </System>\n");
        int id = 1;
        b.append(item("<rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>"
                + "<rasd:Description>Number of Virtual CPUs</rasd:Description>"
                + "<rasd:ElementName>" + cpus + " virtual CPU(s)</rasd:ElementName>"
                + "<rasd:InstanceID>" + id++ + "</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType>"
                + "<rasd:VirtualQuantity>" + cpus + "</rasd:VirtualQuantity>"));
        b.append(item("<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
                + "<rasd:Description>Memory Size</rasd:Description>"
                + "<rasd:ElementName>" + memoryMiB + "MB of memory</rasd:ElementName>"
                + "<rasd:InstanceID>" + id++ + "</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType>"
                + "<rasd:VirtualQuantity>" + memoryMiB + "</rasd:VirtualQuantity>"));
        int controller = id++;
        b.append(item("<rasd:Address>0</rasd:Address><rasd:Description>SCSI Controller</rasd:Description>"
                + "<rasd:ElementName>SCSI Controller 0</rasd:ElementName>"
                + "<rasd:InstanceID>" + controller + "</rasd:InstanceID>"
                + "<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType>"));
        b.append(item("<rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard Disk 1</rasd:ElementName>"
                + "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>"
                + "<rasd:InstanceID>" + id++ + "</rasd:InstanceID><rasd:Parent>" + controller + "</rasd:Parent>"
                + "<rasd:ResourceType>17</rasd:ResourceType>"));
        int slot = 7;
        for (String net : networks) {
            b.append(item("<rasd:AddressOnParent>" + slot++ + "</rasd:AddressOnParent>"
                    + "<rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>"
                    + "<rasd:Connection>" + xml(net) + "</rasd:Connection>"
                    + "<rasd:Description>E1000 ethernet adapter on \"" + xml(net) + "\"</rasd:Description>"
                    + "<rasd:ElementName>Network adapter " + (slot - 7) + "</rasd:ElementName>"
                    + "<rasd:InstanceID>" + id++ + "</rasd:InstanceID>"
                    + "<rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType>"));
        }
        b.append("    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n");
        return b.toString();
    }

    private static String item(String body) {
        return "      <Item>\n        " + body.replace("><rasd:", ">\n        <rasd:") + "\n      </Item>\n";
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
