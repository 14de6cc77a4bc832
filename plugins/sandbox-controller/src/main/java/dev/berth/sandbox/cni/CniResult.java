package dev.berth.sandbox.cni;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/** The final result of an ADD chain: the JSON the plugins returned and the pod IPs in it. */
public record CniResult(String json, List<String> ips) {
    public CniResult {
        ips = List.copyOf(ips);
    }

    /** Reads {@code ips[].address} (CNI 0.3.0 and later) without the prefix length, IPv4 first. */
    public static CniResult parse(String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        JsonElement ips = o.get("ips");
        if (ips != null && ips.isJsonArray()) {
            for (JsonElement e : (JsonArray) ips) {
                if (!e.isJsonObject()) {
                    continue;
                }
                String a = CniConfList.string(e.getAsJsonObject(), "address");
                int slash = a.indexOf('/');
                String ip = slash < 0 ? a : a.substring(0, slash);
                if (!ip.isEmpty()) {
                    (ip.contains(":") ? v6 : v4).add(ip);
                }
            }
        }
        v4.addAll(v6);
        return new CniResult(json, v4);
    }

    public String primaryIp() {
        return ips.isEmpty() ? "" : ips.get(0);
    }

    public List<String> additionalIps() {
        return ips.size() <= 1 ? List.of() : ips.subList(1, ips.size());
    }
}
