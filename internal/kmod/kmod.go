// Package kmod mirrors the wire protocol of the nlgo_test kernel module
// (nlgo_test.c, nlgo_test.h in this directory), the peer that the
// integration tests talk to inside the test VM (see internal/vmtest).
//
// The module registers its own netlink protocol (DefaultProtocol unless
// loaded with proto=N; Protocol reads the loaded value) with Groups
// multicast groups that unprivileged users may join and send to, a generic
// netlink family GenlName with the multicast groups GenlGroupEvents and
// GenlGroupAlerts, and a generic netlink family PolicyName whose operations
// only validate their requests. Requests need NLM_F_REQUEST; they
// are handled by the kernel's netlink_rcv_skb, so NLM_F_ACK, error messages
// and extended acks behave as in the kernel's own families.
//
// Raw protocol messages (nlmsg_type; payload integers in native byte order):
//
//	type  name       request payload                      answer
//	0x10  ECHO       any bytes                            same type, seq and payload
//	0x11  ERROR      ErrorRequest {s32 errno; u32 off}    error -errno, ext-ack ErrorMessage, offset off if != 0
//	0x12  DUMP       DumpRequest {u32 count} + NLM_F_DUMP count records (DumpRecordSize bytes each), NLMSG_DONE
//	0x13  MUTATE     empty                                bumps the generation: a running dump gets NLM_F_DUMP_INTR
//	0x14  BROADCAST  GroupRequest {u32 group} + data      data broadcast to group as a BROADCAST, seq 0
//	0x15  FLOOD      FloodRequest {u32 group, count, size} count broadcasts of size bytes, seq 1..count
//	0x16  NOTIFY     NotifyRequest {u32 portid} + data    data unicast to portid as a NOTIFY, seq 0
//	0x17  ATTRS      empty                                attributes Attrs* built by nla_put_*
//	0x18  PARSE      Parse* attributes                    ParseReply, or the policy's error and ext-ack
//
// Malformed requests fail with EINVAL and an extended-ack message; unknown
// types fail with EOPNOTSUPP.
//
// On Linux, Load, Unload and Reload load and unload the module, for tests
// running as root in the VM, which finds the .ko in PathEnv.
package kmod

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Module identity.
const (
	ModuleName      = "nlgo_test" // name in /proc/modules and of the .ko
	DefaultProtocol = 28          // NLGO_PROTO_DEFAULT
	Groups          = 64          // NLGO_GROUPS: groups 1..64 exist
	// ProtocolParamPath is the sysfs file holding the loaded module's protocol.
	ProtocolParamPath = "/sys/module/nlgo_test/parameters/proto"
	// PathEnv names the environment variable in which the VM runner
	// (internal/vmtest) tells the tests where the module's .ko file is, so
	// that a test running as root can reload the module (Reload).
	PathEnv = "NLGO_KMOD_PATH"
)

// Message types of the raw protocol (enum nlgo_msg_type).
const (
	TypeEcho      uint16 = 0x10 // NLGO_MSG_ECHO
	TypeError     uint16 = 0x11 // NLGO_MSG_ERROR
	TypeDump      uint16 = 0x12 // NLGO_MSG_DUMP
	TypeMutate    uint16 = 0x13 // NLGO_MSG_MUTATE
	TypeBroadcast uint16 = 0x14 // NLGO_MSG_BROADCAST
	TypeFlood     uint16 = 0x15 // NLGO_MSG_FLOOD
	TypeNotify    uint16 = 0x16 // NLGO_MSG_NOTIFY
	TypeAttrs     uint16 = 0x17 // NLGO_MSG_ATTRS
	TypeParse     uint16 = 0x18 // NLGO_MSG_PARSE
)

// ErrorMessage is the extended-ack message of a successful ERROR request
// (NLGO_ERROR_MSG).
const ErrorMessage = "nlgo_test: requested error"

// Sizes and limits of the payloads.
const (
	ErrorRequestSize  = 8       // struct nlgo_error_req
	DumpRequestSize   = 4       // struct nlgo_dump_req
	DumpMax           = 1000000 // NLGO_DUMP_MAX
	DumpRecordSize    = 8       // struct nlgo_dump_record, before its attribute
	DumpNameLen       = 32      // NLGO_DUMP_NAME_LEN: payload of DumpAttrName
	FloodRequestSize  = 12      // struct nlgo_flood_req
	FloodMaxCount     = 100000  // NLGO_FLOOD_MAX_COUNT
	FloodMaxSize      = 65536   // NLGO_FLOOD_MAX_SIZE
	ParseReplySize    = 64      // struct nlgo_parse_reply
	ParseStringMax    = 15      // NLGO_PARSE_STRING_MAX
	ParseRangedMin    = 1       // NLGO_PARSE_RANGED_MIN
	ParseRangedMax    = 10      // NLGO_PARSE_RANGED_MAX
	GroupRequestSize  = 4       // struct nlgo_group_req, before the data
	NotifyRequestSize = 4       // struct nlgo_notify_req, before the data
)

// DumpAttrName is the attribute after each dump record's fixed part: a
// DumpNameLen-byte, NUL-padded DumpRecordName(index).
const DumpAttrName uint16 = 1 // NLGO_DUMP_A_NAME

// DumpRecordName is the name the module gives record index (NLGO_DUMP_NAME_FMT).
func DumpRecordName(index uint32) string { return "record-" + strconv.FormatUint(uint64(index), 10) }

// Attribute types of the ATTRS reply (NLGO_ATTRS_A_*).
const (
	AttrsU8         uint16 = 1  // nla_put_u8
	AttrsU16        uint16 = 2  // nla_put_u16
	AttrsU32        uint16 = 3  // nla_put_u32
	AttrsU64        uint16 = 4  // nla_put_u64_64bit
	AttrsPad        uint16 = 5  // alignment padding, may appear before 64-bit values
	AttrsS8         uint16 = 6  // nla_put_s8
	AttrsS16        uint16 = 7  // nla_put_s16
	AttrsS32        uint16 = 8  // nla_put_s32
	AttrsS64        uint16 = 9  // nla_put_s64
	AttrsString     uint16 = 10 // nla_put_string, NUL-terminated
	AttrsFlag       uint16 = 11 // nla_put_flag, no payload
	AttrsNest       uint16 = 12 // nla_nest_start (NLA_F_NESTED set): Nest* attributes
	AttrsBE16       uint16 = 13 // nla_put_net16: big endian, NLA_F_NET_BYTEORDER set
	AttrsBE32       uint16 = 14 // nla_put_net32: big endian, NLA_F_NET_BYTEORDER set
	AttrsBinary     uint16 = 15 // nla_put: 3 bytes, padded to 4
	AttrsNestNoFlag uint16 = 16 // nla_nest_start_noflag: NestU32 only
	AttrsUint       uint16 = 17 // nla_put_uint, only on kernels >= 6.7
	AttrsSint       uint16 = 18 // nla_put_sint, only on kernels >= 6.7
)

// Values of the ATTRS reply.
const (
	AttrsU8Value     uint8  = 0xab
	AttrsU16Value    uint16 = 0xbeef
	AttrsU32Value    uint32 = 0xdeadbeef
	AttrsU64Value    uint64 = 0x0123456789abcdef
	AttrsS8Value     int8   = -8
	AttrsS16Value    int16  = -1600
	AttrsS32Value    int32  = -320000
	AttrsS64Value    int64  = -6400000000
	AttrsStringValue        = "nlgo_test"
	AttrsBE16Value   uint16 = 0x1234
	AttrsBE32Value   uint32 = 0x01020304
	AttrsUintValue   uint64 = 0x100000000
	AttrsSintValue   int64  = -2
)

// AttrsBinaryValue returns the payload of AttrsBinary.
func AttrsBinaryValue() []byte { return []byte{0x01, 0x02, 0x03} }

// Attributes inside AttrsNest, AttrsNestNoFlag and ParseNest (NLGO_NEST_A_*).
const (
	NestU32    uint16 = 1 // u32: NestU32Value (NestInnerU32Value inside NestNest)
	NestString uint16 = 2 // string: NestStringValue
	NestNest   uint16 = 3 // nested: NestU32 only
)

// Values inside AttrsNest.
const (
	NestU32Value      uint32 = 7
	NestStringValue          = "inner"
	NestInnerU32Value uint32 = 8
)

// Attribute types of a PARSE request (NLGO_PARSE_A_*), validated strictly.
const (
	ParseU8     uint16 = 1 // NLA_U8
	ParseU16    uint16 = 2 // NLA_U16
	ParseU32    uint16 = 3 // NLA_U32
	ParseU64    uint16 = 4 // NLA_U64
	ParseString uint16 = 5 // NLA_STRING, at most ParseStringMax bytes (+ NUL)
	ParseFlag   uint16 = 6 // NLA_FLAG
	ParseNest   uint16 = 7 // NLA_NESTED, NLA_F_NESTED required: Nest* attributes
	ParseRanged uint16 = 8 // NLA_U8 in ParseRangedMin..ParseRangedMax
)

// Generic netlink family.
const (
	GenlName        = "nlgo_test" // NLGO_GENL_NAME
	GenlVersion     = 1           // NLGO_GENL_VERSION
	GenlGroupEvents = "events"    // multicast group index 0
	GenlGroupAlerts = "alerts"    // multicast group index 1
	GenlStringMax   = 63          // NLGO_GENL_STRING_MAX
	GenlDataMax     = 1024        // NLGO_GENL_DATA_MAX
	GenlGetDefault  = 10          // records of GET without GenlAttrCount
	GenlFlagsMask   = 0x0f0f      // NLGO_GENL_FLAGS_MASK: the bits GenlAttrFlags may have
	GenlSelectBits  = 0x7         // NLGO_GENL_SELECT_BITS: the bits GenlAttrSelect may select
	GenlCmdEcho     = 1           // doit: replies with the request's attributes (see GenlCmdEvent)
	GenlCmdNotify   = 2           // doit: multicasts an EVENT to GenlAttrGroup
	GenlCmdGet      = 3           // dumpit: GenlAttrCount records (INDEX, STRING)
	GenlCmdEvent    = 4           // the multicast message: U32, STRING, DATA, FLAGS, SELECT, NEST of the request
	GenlAttrU32     = 1           // NLA_U32
	GenlAttrString  = 2           // NLA_NUL_STRING, at most GenlStringMax bytes
	GenlAttrGroup   = 3           // NLA_U32 at most 1: 0 events, 1 alerts
	GenlAttrData    = 4           // NLA_BINARY, at most GenlDataMax
	GenlAttrCount   = 5           // NLA_U32 in 0..DumpMax
	GenlAttrIndex   = 6           // NLA_U32 in GET records
	GenlAttrFlags   = 7           // NLA_U16 with only bits of GenlFlagsMask
	GenlAttrSelect  = 8           // NLA_BITFIELD32 of GenlSelectBits
	GenlAttrNest    = 9           // NLA_NESTED: GenlNest* attributes
	GenlMaxAttr     = 9           // the family's maxattr
)

// Attributes inside GenlAttrNest (NLGO_GENL_NEST_A_*), validated by a
// policy of their own, and their limits.
const (
	GenlNestID       = 1    // NLA_U32 in GenlNestIDMin..GenlNestIDMax
	GenlNestName     = 2    // NLA_NUL_STRING, at most GenlNestNameMax bytes
	GenlNestKey      = 3    // NLA_BINARY of exactly GenlNestKeyLen bytes
	GenlNestLevel    = 4    // NLA_S32 in GenlNestLevelMin..GenlNestLevelMax
	GenlNestMaxType  = 4    // the nested policy's highest type
	GenlNestIDMin    = 1    // NLGO_GENL_NEST_ID_MIN
	GenlNestIDMax    = 4094 // NLGO_GENL_NEST_ID_MAX
	GenlNestNameMax  = 15   // NLGO_GENL_NEST_NAME_MAX
	GenlNestKeyLen   = 8    // NLGO_GENL_NEST_KEY_LEN
	GenlNestLevelMin = -10  // NLGO_GENL_NEST_LEVEL_MIN
	GenlNestLevelMax = 10   // NLGO_GENL_NEST_LEVEL_MAX
)

// Generic netlink family PolicyName: its operations do nothing, so the
// kernel acknowledges a request exactly when the request's attributes pass
// the operation's policy: PolicyCmdCheck validates strictly (and its policy
// has strict_start_type 1), PolicyCmdCheckLiberal liberally
// (GENL_DONT_VALIDATE_STRICT), with the same policy otherwise. The policy
// has an attribute for each rule of the kernel's validation (NLGO_POL_A_*);
// the comments give the policy of each. Where the kernel's policy dump
// leaves an attribute out, or a rule of one, it says so.
const (
	PolicyName            = "nlgo_policy" // NLGO_POL_NAME
	PolicyVersion         = 1             // NLGO_POL_VERSION
	PolicyCmdCheck        = 1             // doit: does nothing; validates strictly
	PolicyCmdCheckLiberal = 2             // doit: does nothing; validates liberally

	PolicyAttrU8Range      = 1  // NLA_POLICY_RANGE(NLA_U8, 10, 200)
	PolicyAttrU16Min       = 2  // NLA_POLICY_MIN(NLA_U16, 1000)
	PolicyAttrU32Max       = 3  // NLA_POLICY_MAX(NLA_U32, 30000)
	PolicyAttrU64Range     = 4  // NLA_POLICY_FULL_RANGE(NLA_U64, 1<<40..1<<50)
	PolicyAttrS8Range      = 5  // NLA_POLICY_RANGE(NLA_S8, -100, -10)
	PolicyAttrS16Min       = 6  // NLA_POLICY_MIN(NLA_S16, -1000)
	PolicyAttrS32Max       = 7  // NLA_POLICY_MAX(NLA_S32, -5)
	PolicyAttrS64Range     = 8  // NLA_POLICY_FULL_RANGE_SIGNED(NLA_S64, -1<<40..1<<40)
	PolicyAttrU8Mask       = 9  // NLA_POLICY_MASK(NLA_U8, 0x0f)
	PolicyAttrU16Mask      = 10 // NLA_POLICY_MASK(NLA_U16, 0x0ff0)
	PolicyAttrU32Mask      = 11 // NLA_POLICY_MASK(NLA_U32, 0x00ff00ff)
	PolicyAttrU64Mask      = 12 // NLA_POLICY_MASK(NLA_U64, 0xf0f0f0f0)
	PolicyAttrUintRange    = 13 // NLA_POLICY_FULL_RANGE(NLA_UINT, 5..1<<33); kernels >= 6.7, else no entry
	PolicyAttrSintRange    = 14 // NLA_POLICY_RANGE(NLA_SINT, -300, 300); kernels >= 6.7, else no entry
	PolicyAttrUintMask     = 15 // NLA_POLICY_MASK(NLA_UINT, 0x3c); kernels >= 6.7, else no entry
	PolicyAttrBinMin       = 16 // NLA_POLICY_MIN_LEN(4): the dump leaves the minimum out
	PolicyAttrBinMax       = 17 // NLA_POLICY_MAX(NLA_BINARY, 8): the dump leaves the maximum out
	PolicyAttrBinExact     = 18 // NLA_POLICY_EXACT_LEN(6)
	PolicyAttrBinRange     = 19 // NLA_POLICY_RANGE(NLA_BINARY, 2, 5)
	PolicyAttrBinLen       = 20 // NLA_BINARY with .len 16
	PolicyAttrString       = 21 // NLA_STRING with .len 7
	PolicyAttrNulString    = 22 // NLA_NUL_STRING with .len 7
	PolicyAttrNulStringAny = 23 // NLA_NUL_STRING without .len
	PolicyAttrFlag         = 24 // NLA_FLAG
	PolicyAttrBitfield32   = 25 // NLA_POLICY_BITFIELD32(0x15)
	PolicyAttrNest         = 26 // NLA_POLICY_NESTED: PolicyNest* attributes
	PolicyAttrNestArray    = 27 // NLA_POLICY_NESTED_ARRAY: entries of PolicyNest* attributes
	PolicyAttrReject       = 28 // NLA_REJECT: the dump leaves it out
	PolicyAttrEven         = 29 // NLA_BINARY of at most 8 bytes, of an even length (a validation function the dump leaves out)
	PolicyAttrBE16         = 30 // NLA_BE16: the dump leaves it out
	PolicyAttrExactWarn    = 31 // NLA_POLICY_EXACT_LEN_WARN(4): longer is an error when strict
	PolicyAttrMsecs        = 32 // NLA_MSECS, 8 bytes or more: the dump says u64, from 6.7 uint
	PolicyAttrHole         = 33 // no entry (NLA_UNSPEC): an error when strict
	PolicyAttrU32          = 34 // NLA_U32
	PolicyMaxAttr          = 34 // the family's maxattr

	PolicyNestU32     = 1 // NLA_POLICY_RANGE(NLA_U32, 1, 100)
	PolicyNestName    = 2 // NLA_NUL_STRING with .len 3
	PolicyNestFlag    = 3 // NLA_FLAG
	PolicyNestS16     = 4 // NLA_POLICY_RANGE(NLA_S16, -1, 1)
	PolicyNestMaxType = 4 // the nested policy's highest type
)

var ne = binary.NativeEndian

// ErrorRequest encodes an ERROR payload: the request fails with -errno
// (errno 0: succeeds) and, if badOffset != 0, reports that offset from the
// start of the nlmsghdr in NLMSGERR_ATTR_OFFS. badOffset must lie inside the
// request.
func ErrorRequest(errno int32, badOffset uint32) []byte {
	b := make([]byte, ErrorRequestSize)
	ne.PutUint32(b[0:], uint32(errno))
	ne.PutUint32(b[4:], badOffset)
	return b
}

// DumpRequest encodes a DUMP payload for count records.
func DumpRequest(count uint32) []byte { return ne.AppendUint32(nil, count) }

// GroupRequest encodes a BROADCAST payload: data to group (1..Groups).
func GroupRequest(group uint32, data []byte) []byte {
	return append(ne.AppendUint32(make([]byte, 0, GroupRequestSize+len(data)), group), data...)
}

// FloodRequest encodes a FLOOD payload.
func FloodRequest(group, count, size uint32) []byte {
	b := make([]byte, 0, FloodRequestSize)
	b = ne.AppendUint32(b, group)
	b = ne.AppendUint32(b, count)
	return ne.AppendUint32(b, size)
}

// NotifyRequest encodes a NOTIFY payload: data to the socket bound to portid.
func NotifyRequest(portid uint32, data []byte) []byte {
	return append(ne.AppendUint32(make([]byte, 0, NotifyRequestSize+len(data)), portid), data...)
}

// DumpRecord is the fixed part of a DUMP record.
type DumpRecord struct {
	Index      uint32
	Generation uint32 // table generation when the kernel built the record
}

// ParseDumpRecord decodes the fixed part of a DUMP record payload.
func ParseDumpRecord(b []byte) (DumpRecord, error) {
	if len(b) < DumpRecordSize {
		return DumpRecord{}, fmt.Errorf("kmod: dump record: %d bytes < %d", len(b), DumpRecordSize)
	}
	return DumpRecord{Index: ne.Uint32(b), Generation: ne.Uint32(b[4:])}, nil
}

// ParseReply is what the kernel parsed from a PARSE request.
type ParseReply struct {
	U64        uint64
	Present    uint32 // bit 1<<t for each Parse* attribute type t seen
	U32        uint32
	NestU32    uint32
	U16        uint16
	U8         uint8
	Ranged     uint8
	Flag       bool
	String     string
	NestString string
}

// Has reports whether attribute type t was present in the request.
func (r ParseReply) Has(t uint16) bool { return t < 32 && r.Present&(1<<t) != 0 }

// DecodeParseReply decodes a PARSE reply payload (struct nlgo_parse_reply).
func DecodeParseReply(b []byte) (ParseReply, error) {
	if len(b) != ParseReplySize {
		return ParseReply{}, fmt.Errorf("kmod: parse reply: %d bytes, want %d", len(b), ParseReplySize)
	}
	return ParseReply{
		U64:        ne.Uint64(b[0:]),
		Present:    ne.Uint32(b[8:]),
		U32:        ne.Uint32(b[12:]),
		NestU32:    ne.Uint32(b[16:]),
		U16:        ne.Uint16(b[20:]),
		U8:         b[22],
		Ranged:     b[23],
		Flag:       b[24] != 0,
		String:     cString(b[28:44]),
		NestString: cString(b[44:60]),
	}, nil
}

func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// ErrNotLoaded reports that the nlgo_test module is not loaded.
var ErrNotLoaded = errors.New("kmod: module nlgo_test is not loaded")

// Protocol returns the netlink protocol number of the loaded module, read
// from ProtocolParamPath. It returns an error wrapping ErrNotLoaded when the
// module is not loaded (or on systems without sysfs).
func Protocol() (int, error) {
	b, err := os.ReadFile(ProtocolParamPath)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("%w (no %s)", ErrNotLoaded, ProtocolParamPath)
	}
	if err != nil {
		return 0, fmt.Errorf("kmod: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 || n >= 32 {
		return 0, fmt.Errorf("kmod: %s: bad protocol %q", ProtocolParamPath, strings.TrimSpace(string(b)))
	}
	return n, nil
}
