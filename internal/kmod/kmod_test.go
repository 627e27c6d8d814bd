package kmod

import (
	"encoding/binary"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEncodeRequests(t *testing.T) {
	ne := binary.NativeEndian
	u32s := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = ne.AppendUint32(b, v)
		}
		return b
	}
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"error", ErrorRequest(-1, 20), u32s(0xffffffff, 20)},
		{"error size", ErrorRequest(2, 0)[:ErrorRequestSize], u32s(2, 0)},
		{"dump", DumpRequest(1000), u32s(1000)},
		{"broadcast", GroupRequest(40, []byte("hi")), append(u32s(40), 'h', 'i')},
		{"broadcast empty", GroupRequest(1, nil), u32s(1)},
		{"flood", FloodRequest(3, 200, 1000), u32s(3, 200, 1000)},
		{"notify", NotifyRequest(0x1234, []byte{9}), append(u32s(0x1234), 9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got := len(FloodRequest(1, 1, 1)); got != FloodRequestSize {
		t.Errorf("FloodRequest is %d bytes, want %d", got, FloodRequestSize)
	}
}

func TestDecodeParseReply(t *testing.T) {
	ne := binary.NativeEndian
	b := make([]byte, ParseReplySize)
	ne.PutUint64(b[0:], 1<<40)
	ne.PutUint32(b[8:], 1<<ParseU8|1<<ParseString|1<<ParseFlag)
	ne.PutUint32(b[12:], 0xcafebabe)
	ne.PutUint32(b[16:], 77)
	ne.PutUint16(b[20:], 0x1234)
	b[22], b[23], b[24] = 5, 3, 1
	copy(b[28:], "hello")
	copy(b[44:], "0123456789abcdef") // no NUL: all 16 bytes
	got, err := DecodeParseReply(b)
	if err != nil {
		t.Fatal(err)
	}
	want := ParseReply{
		U64: 1 << 40, Present: 1<<ParseU8 | 1<<ParseString | 1<<ParseFlag, U32: 0xcafebabe,
		NestU32: 77, U16: 0x1234, U8: 5, Ranged: 3, Flag: true,
		String: "hello", NestString: "0123456789abcdef",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !got.Has(ParseFlag) || got.Has(ParseU32) || got.Has(40) {
		t.Errorf("Has: wrong for present %#x", got.Present)
	}
	if _, err := DecodeParseReply(b[:63]); err == nil {
		t.Error("DecodeParseReply accepted 63 bytes")
	}
}

func TestDumpRecord(t *testing.T) {
	b := binary.NativeEndian.AppendUint32(nil, 42)
	b = binary.NativeEndian.AppendUint32(b, 7)
	got, err := ParseDumpRecord(append(b, 0xff))
	if err != nil || got != (DumpRecord{Index: 42, Generation: 7}) {
		t.Errorf("ParseDumpRecord = %+v, %v", got, err)
	}
	if _, err := ParseDumpRecord(b[:7]); err == nil {
		t.Error("ParseDumpRecord accepted 7 bytes")
	}
	if got := DumpRecordName(42); got != "record-42" || len(got) >= DumpNameLen {
		t.Errorf("DumpRecordName(42) = %q", got)
	}
}

// headerValues reads the integer #defines and the enum members of
// nlgo_test.h, by name.
func headerValues(t *testing.T) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile("nlgo_test.h")
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]int64{}
	define := regexp.MustCompile(`^#define\s+(NLGO_\w+)\s+\(?(-?(?:0x[0-9a-fA-F]+|[0-9]+))[UL]*\)?\s*(?:/\*.*)?$`)
	member := regexp.MustCompile(`^\s+(_*NLGO_\w+)(?:\s*=\s*(0x[0-9a-fA-F]+|[0-9]+))?,`)
	next := int64(0)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "enum") {
			next = 0
		}
		if m := define.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseInt(m[2], 0, 64)
			if err != nil {
				t.Fatalf("nlgo_test.h: %q: %v", line, err)
			}
			vals[m[1]] = v
		} else if m := member.FindStringSubmatch(line); m != nil {
			if m[2] != "" {
				if next, err = strconv.ParseInt(m[2], 0, 64); err != nil {
					t.Fatalf("nlgo_test.h: %q: %v", line, err)
				}
			}
			vals[m[1]] = next
			next++
		}
	}
	return vals
}

// TestHeaderMirror checks the generic family's constants against
// nlgo_test.h, whose values they mirror.
func TestHeaderMirror(t *testing.T) {
	vals := headerValues(t)
	for name, want := range map[string]int64{
		"NLGO_GENL_VERSION": GenlVersion, "NLGO_GENL_STRING_MAX": GenlStringMax,
		"NLGO_GENL_DATA_MAX": GenlDataMax, "NLGO_GENL_GET_DEFAULT": GenlGetDefault,
		"NLGO_GENL_FLAGS_MASK": GenlFlagsMask, "NLGO_GENL_SELECT_BITS": GenlSelectBits,
		"NLGO_GENL_CMD_ECHO": GenlCmdEcho, "NLGO_GENL_CMD_NOTIFY": GenlCmdNotify,
		"NLGO_GENL_CMD_GET": GenlCmdGet, "NLGO_GENL_CMD_EVENT": GenlCmdEvent,
		"NLGO_GENL_A_U32": GenlAttrU32, "NLGO_GENL_A_STRING": GenlAttrString,
		"NLGO_GENL_A_GROUP": GenlAttrGroup, "NLGO_GENL_A_DATA": GenlAttrData,
		"NLGO_GENL_A_COUNT": GenlAttrCount, "NLGO_GENL_A_INDEX": GenlAttrIndex,
		"NLGO_GENL_A_FLAGS": GenlAttrFlags, "NLGO_GENL_A_SELECT": GenlAttrSelect,
		"NLGO_GENL_A_NEST": GenlAttrNest, "__NLGO_GENL_A_MAX": GenlMaxAttr + 1,
		"NLGO_GENL_NEST_A_ID": GenlNestID, "NLGO_GENL_NEST_A_NAME": GenlNestName,
		"NLGO_GENL_NEST_A_KEY": GenlNestKey, "NLGO_GENL_NEST_A_LEVEL": GenlNestLevel,
		"__NLGO_GENL_NEST_A_MAX": GenlNestMaxType + 1,
		"NLGO_GENL_NEST_ID_MIN":  GenlNestIDMin, "NLGO_GENL_NEST_ID_MAX": GenlNestIDMax,
		"NLGO_GENL_NEST_NAME_MAX": GenlNestNameMax, "NLGO_GENL_NEST_KEY_LEN": GenlNestKeyLen,
		"NLGO_GENL_NEST_LEVEL_MIN": GenlNestLevelMin, "NLGO_GENL_NEST_LEVEL_MAX": GenlNestLevelMax,
		"NLGO_DUMP_MAX": DumpMax, "NLGO_PROTO_DEFAULT": DefaultProtocol, "NLGO_GROUPS": Groups,
		"NLGO_MSG_PARSE": int64(TypeParse), "NLGO_PARSE_A_RANGED": int64(ParseRanged),
		"NLGO_POL_VERSION": PolicyVersion, "NLGO_POL_CMD_CHECK": PolicyCmdCheck,
		"NLGO_POL_CMD_CHECK_LIBERAL": PolicyCmdCheckLiberal,
		"NLGO_POL_A_U8_RANGE":        PolicyAttrU8Range, "NLGO_POL_A_U16_MIN": PolicyAttrU16Min,
		"NLGO_POL_A_U32_MAX": PolicyAttrU32Max, "NLGO_POL_A_U64_RANGE": PolicyAttrU64Range,
		"NLGO_POL_A_S8_RANGE": PolicyAttrS8Range, "NLGO_POL_A_S16_MIN": PolicyAttrS16Min,
		"NLGO_POL_A_S32_MAX": PolicyAttrS32Max, "NLGO_POL_A_S64_RANGE": PolicyAttrS64Range,
		"NLGO_POL_A_U8_MASK": PolicyAttrU8Mask, "NLGO_POL_A_U16_MASK": PolicyAttrU16Mask,
		"NLGO_POL_A_U32_MASK": PolicyAttrU32Mask, "NLGO_POL_A_U64_MASK": PolicyAttrU64Mask,
		"NLGO_POL_A_UINT_RANGE": PolicyAttrUintRange, "NLGO_POL_A_SINT_RANGE": PolicyAttrSintRange,
		"NLGO_POL_A_UINT_MASK": PolicyAttrUintMask, "NLGO_POL_A_BIN_MIN": PolicyAttrBinMin,
		"NLGO_POL_A_BIN_MAX": PolicyAttrBinMax, "NLGO_POL_A_BIN_EXACT": PolicyAttrBinExact,
		"NLGO_POL_A_BIN_RANGE": PolicyAttrBinRange, "NLGO_POL_A_BIN_LEN": PolicyAttrBinLen,
		"NLGO_POL_A_STRING": PolicyAttrString, "NLGO_POL_A_NUL_STRING": PolicyAttrNulString,
		"NLGO_POL_A_NUL_STRING_ANY": PolicyAttrNulStringAny, "NLGO_POL_A_FLAG": PolicyAttrFlag,
		"NLGO_POL_A_BITFIELD32": PolicyAttrBitfield32, "NLGO_POL_A_NEST": PolicyAttrNest,
		"NLGO_POL_A_NEST_ARRAY": PolicyAttrNestArray, "NLGO_POL_A_REJECT": PolicyAttrReject,
		"NLGO_POL_A_EVEN": PolicyAttrEven, "NLGO_POL_A_BE16": PolicyAttrBE16,
		"NLGO_POL_A_EXACT_WARN": PolicyAttrExactWarn, "NLGO_POL_A_MSECS": PolicyAttrMsecs,
		"NLGO_POL_A_HOLE": PolicyAttrHole, "NLGO_POL_A_U32": PolicyAttrU32,
		"__NLGO_POL_A_MAX":    PolicyMaxAttr + 1,
		"NLGO_POL_NEST_A_U32": PolicyNestU32, "NLGO_POL_NEST_A_NAME": PolicyNestName,
		"NLGO_POL_NEST_A_FLAG": PolicyNestFlag, "NLGO_POL_NEST_A_S16": PolicyNestS16,
		"__NLGO_POL_NEST_A_MAX": PolicyNestMaxType + 1,
	} {
		got, ok := vals[name]
		if !ok {
			t.Errorf("nlgo_test.h defines no %s", name)
		} else if got != want {
			t.Errorf("nlgo_test.h: %s = %d, kmod.go has %d", name, got, want)
		}
	}
}
