"""Parse Triton config.pbtxt files with protobuf's own text-format parser, against model_config.proto.

    python3 pbtxt_check.py model_config.proto CONFIG.pbtxt [CONFIG.pbtxt ...]

No protoc here: the .proto (a plain proto3 file: messages, enums, oneofs, maps) is read by the small
parser below into a FileDescriptorProto, loaded into a descriptor pool, and each config is parsed
with google.protobuf.text_format, which refuses an unknown or misspelt field, a wrong enum value or
a malformed literal exactly as Triton's C++ TextFormat parser does. Prints one JSON object per file
(MessageToDict, proto field names), or the parse error on stderr and exits 1.
"""
import json
import re
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, text_format

SCALARS = {
    "double": descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE,
    "float": descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT,
    "int32": descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    "int64": descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
    "uint32": descriptor_pb2.FieldDescriptorProto.TYPE_UINT32,
    "uint64": descriptor_pb2.FieldDescriptorProto.TYPE_UINT64,
    "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
    "string": descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    "bytes": descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
}
F = descriptor_pb2.FieldDescriptorProto


def tokens(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.findall(r'"[^"]*"|[A-Za-z_][A-Za-z0-9_.]*|-?\d+|[{}<>;=,\[\]()]', text)


class Parser(object):
    def __init__(self, toks):
        self.t, self.i = toks, 0
        self.messages = {}  # full name -> DescriptorProto
        self.enums = set()
        self.pending = []  # (field, scope, type name)

    def peek(self):
        return self.t[self.i]

    def take(self, want=None):
        tok = self.t[self.i]
        if want is not None and tok != want:
            raise SyntaxError("expected %s, got %s at token %d" % (want, tok, self.i))
        self.i += 1
        return tok

    def file(self):
        fd = descriptor_pb2.FileDescriptorProto(name="model_config.proto", syntax="proto3")
        while self.i < len(self.t):
            tok = self.take()
            if tok == "syntax":
                self.take("=")
                self.take()
                self.take(";")
            elif tok == "package":
                fd.package = self.take()
                self.take(";")
            elif tok == "message":
                self.message(fd.message_type.add(), fd.package)
            elif tok == "enum":
                self.enum(fd.enum_type.add(), fd.package)
            else:
                raise SyntaxError("unexpected %s" % tok)
        for field, scope, name in self.pending:
            full = self.resolve(scope, name)
            field.type_name = "." + full
            field.type = F.TYPE_ENUM if full in self.enums else F.TYPE_MESSAGE
        return fd

    def resolve(self, scope, name):
        parts = scope.split(".")
        while parts:
            full = ".".join(parts + [name])
            if full in self.messages or full in self.enums:
                return full
            parts.pop()
        raise SyntaxError("unknown type %s in %s" % (name, scope))

    def enum(self, e, scope):
        e.name = self.take()
        self.enums.add(scope + "." + e.name)
        self.take("{")
        while self.peek() != "}":
            v = e.value.add(name=self.take())
            self.take("=")
            v.number = int(self.take())
            self.take(";")
        self.take("}")

    def field(self, m, full, label, oneof=None):
        typ = self.take()
        if typ == "map":
            self.take("<")
            k = self.take()
            self.take(",")
            v = self.take()
            self.take(">")
            name = self.take()
            self.take("=")
            num = int(self.take())
            self.take(";")
            entry = m.nested_type.add(name="".join(p[:1].upper() + p[1:] for p in name.split("_")) + "Entry")
            entry.options.map_entry = True
            self.messages[full + "." + entry.name] = entry
            for fname, fnum, ftyp in (("key", 1, k), ("value", 2, v)):
                ef = entry.field.add(name=fname, number=fnum, label=F.LABEL_OPTIONAL)
                self.typed(ef, full, ftyp)
            f = m.field.add(name=name, number=num, label=F.LABEL_REPEATED, type=F.TYPE_MESSAGE, type_name="." + full + "." + entry.name)
            return
        name = self.take()
        self.take("=")
        num = int(self.take())
        self.take(";")
        f = m.field.add(name=name, number=num, label=label)
        if oneof is not None:
            f.oneof_index = oneof
        self.typed(f, full, typ)

    def typed(self, f, scope, typ):
        if typ in SCALARS:
            f.type = SCALARS[typ]
        else:
            self.pending.append((f, scope, typ))

    def message(self, m, scope):
        m.name = self.take()
        full = scope + "." + m.name
        self.messages[full] = m
        self.take("{")
        while self.peek() != "}":
            tok = self.peek()
            if tok == "message":
                self.take()
                self.message(m.nested_type.add(), full)
            elif tok == "enum":
                self.take()
                self.enum(m.enum_type.add(), full)
            elif tok == "oneof":
                self.take()
                idx = len(m.oneof_decl)
                m.oneof_decl.add(name=self.take())
                self.take("{")
                while self.peek() != "}":
                    self.field(m, full, F.LABEL_OPTIONAL, oneof=idx)
                self.take("}")
            elif tok == "repeated":
                self.take()
                self.field(m, full, F.LABEL_REPEATED)
            else:
                self.field(m, full, F.LABEL_OPTIONAL)
        self.take("}")


def message_class(proto_path):
    with open(proto_path, "r", encoding="utf-8") as f:
        fd = Parser(tokens(f.read())).file()
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    desc = pool.FindMessageTypeByName(fd.package + ".ModelConfig")
    try:
        from google.protobuf.message_factory import GetMessageClass
        return GetMessageClass(desc)
    except ImportError:
        from google.protobuf import message_factory
        return message_factory.MessageFactory(pool).GetPrototype(desc)


def main():
    cls = message_class(sys.argv[1])
    out = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        msg = cls()
        try:
            text_format.Parse(text, msg)
        except text_format.ParseError as e:
            sys.stderr.write("%s: %s\n" % (path, e))
            sys.exit(1)
        out.append(json_format.MessageToDict(msg, preserving_proto_field_name=True))
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
