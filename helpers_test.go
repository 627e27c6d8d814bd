package netlink

import (
	"bytes"
	"encoding/binary"
)

// Byte-vector builders for tests. Integers are written in native byte order,
// as the kernel does, so the vectors hold on big-endian machines too.

// rawHeader encodes a header with an explicit (possibly wrong) length.
func rawHeader(length uint32, typ HeaderType, flags HeaderFlags, seq, pid uint32) []byte {
	b := make([]byte, HeaderLen)
	putHeader(b, Header{Length: length, Type: typ, Flags: flags, Sequence: seq, PID: pid})
	return b
}

// rawMessage encodes a message with a correct length and padding.
func rawMessage(typ HeaderType, flags HeaderFlags, seq, pid uint32, data []byte) []byte {
	b, err := Message{Header: Header{Type: typ, Flags: flags, Sequence: seq, PID: pid}, Data: data}.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return b
}

// ne32 encodes v in native byte order.
func ne32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// ne16 encodes v in native byte order.
func ne16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }

// rawAttr encodes one attribute with padding; length is computed.
func rawAttr(typ uint16, data []byte) []byte {
	b := append(ne16(uint16(AttributeLen(len(data)))), ne16(typ)...)
	b = append(b, data...)
	return append(b, make([]byte, AttributeSpace(len(data))-AttributeLen(len(data)))...)
}

// cat joins byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// neI32 encodes a signed v in native byte order.
func neI32(v int32) []byte { return ne32(uint32(v)) }
