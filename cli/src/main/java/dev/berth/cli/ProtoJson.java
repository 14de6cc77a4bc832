package dev.berth.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import dev.berth.core.json.Json;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Protobuf messages as indented JSON in the proto3 JSON mapping crictl prints (lowerCamel names, defaults left
 * out, 64-bit integers as strings, enums by name), without pulling in protobuf-java-util and its dependencies.
 */
final class ProtoJson {
    private ProtoJson() {
    }

    static String write(Message m) {
        StringBuilder b = new StringBuilder();
        message(b, m, 0);
        return b.append('\n').toString();
    }

    private static void message(StringBuilder b, Message m, int indent) {
        Map<FieldDescriptor, Object> fields = m.getAllFields();
        if (fields.isEmpty()) {
            b.append("{}");
            return;
        }
        b.append("{\n");
        int i = 0;
        for (Map.Entry<FieldDescriptor, Object> e : fields.entrySet()) {
            pad(b, indent + 1);
            Json.quote(b, e.getKey().getJsonName());
            b.append(": ");
            field(b, e.getKey(), e.getValue(), indent + 1);
            b.append(++i < fields.size() ? ",\n" : "\n");
        }
        pad(b, indent);
        b.append('}');
    }

    private static void field(StringBuilder b, FieldDescriptor f, Object v, int indent) {
        if (f.isMapField()) {
            List<?> entries = (List<?>) v;
            b.append("{\n");
            for (int i = 0; i < entries.size(); i++) {
                MapEntry<?, ?> e = (MapEntry<?, ?>) entries.get(i);
                pad(b, indent + 1);
                Json.quote(b, String.valueOf(e.getKey()));
                b.append(": ");
                value(b, f.getMessageType().findFieldByName("value"), e.getValue(), indent + 1);
                b.append(i + 1 < entries.size() ? ",\n" : "\n");
            }
            pad(b, indent);
            b.append('}');
        } else if (f.isRepeated()) {
            List<?> items = (List<?>) v;
            b.append("[\n");
            for (int i = 0; i < items.size(); i++) {
                pad(b, indent + 1);
                value(b, f, items.get(i), indent + 1);
                b.append(i + 1 < items.size() ? ",\n" : "\n");
            }
            pad(b, indent);
            b.append(']');
        } else {
            value(b, f, v, indent);
        }
    }

    private static void value(StringBuilder b, FieldDescriptor f, Object v, int indent) {
        switch (f.getJavaType()) {
            case MESSAGE -> message(b, (Message) v, indent);
            case STRING -> Json.quote(b, (String) v);
            case ENUM -> Json.quote(b, ((EnumValueDescriptor) v).getName());
            case BYTE_STRING -> Json.quote(b, Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
            case LONG -> Json.quote(b, v.toString());
            default -> b.append(v);
        }
    }

    private static void pad(StringBuilder b, int indent) {
        b.append("  ".repeat(indent));
    }
}
