package nltest

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"

	"github.com/nlgo/netlink"
)

// A classic BPF interpreter for SetBPF, checked and run as the kernel does
// for SO_ATTACH_FILTER: loads read the datagram in network byte order, a
// load past its end or a division by zero ends the program with 0, and
// the returned value is how many bytes of the datagram to keep (0 drops
// it). Ancillary loads (SKF_AD_*) are not supported.

// Instruction classes and fields (<linux/bpf_common.h>).
const (
	bpfLD   = 0x00
	bpfLDX  = 0x01
	bpfST   = 0x02
	bpfSTX  = 0x03
	bpfALU  = 0x04
	bpfJMP  = 0x05
	bpfRET  = 0x06
	bpfMISC = 0x07

	bpfW = 0x00
	bpfH = 0x08
	bpfB = 0x10

	bpfIMM = 0x00
	bpfABS = 0x20
	bpfIND = 0x40
	bpfMEM = 0x60
	bpfLEN = 0x80
	bpfMSH = 0xa0

	bpfX = 0x08 // the operand is X, not K
	bpfA = 0x10 // RET A

	bpfMaxInsns = 4096
	bpfMemWords = 16
	skfAdOff    = -0x1000 // SKF_AD_OFF: ancillary loads start here
)

// ALU operations and jumps.
const (
	aluADD, aluSUB, aluMUL, aluDIV = 0x00, 0x10, 0x20, 0x30
	aluOR, aluAND, aluLSH, aluRSH  = 0x40, 0x50, 0x60, 0x70
	aluNEG, aluMOD, aluXOR         = 0x80, 0x90, 0xa0
	jmpJA, jmpJEQ, jmpJGT, jmpJGE  = 0x00, 0x10, 0x20, 0x30
	jmpJSET                        = 0x40
)

// errBadBPF is the kernel's answer to a program it rejects.
var errBadBPF = os.NewSyscallError("setsockopt", syscall.EINVAL)

// checkBPF validates prog like bpf_check_classic.
func checkBPF(prog []netlink.BPFInstruction) error {
	if len(prog) == 0 || len(prog) > bpfMaxInsns {
		return errBadBPF
	}
	for pc, in := range prog {
		if err := checkInsn(pc, len(prog), in); err != nil {
			return err
		}
	}
	if last := prog[len(prog)-1].Op; last != bpfRET|bpfIMM && last != bpfRET|bpfA {
		return errBadBPF
	}
	return nil
}

// checkInsn validates instruction pc of a program of n instructions.
func checkInsn(pc, n int, in netlink.BPFInstruction) error {
	op, k := in.Op, in.K
	if op > 0xff {
		return errBadBPF
	}
	switch op & 0x07 {
	case bpfLD:
		mode, size := op&0xe0, op&0x18
		if size == 0x18 || mode > bpfLEN || (size != bpfW && mode != bpfABS && mode != bpfIND) {
			return errBadBPF
		}
		if mode == bpfMEM && k >= bpfMemWords {
			return errBadBPF
		}
		if mode == bpfABS && int32(k) < 0 && int32(k) >= skfAdOff {
			return fmt.Errorf("nltest: ancillary BPF load at %d: %w", pc, netlink.ErrNotSupported)
		}
	case bpfLDX:
		switch op {
		case bpfLDX | bpfW | bpfIMM, bpfLDX | bpfW | bpfLEN, bpfLDX | bpfB | bpfMSH:
		case bpfLDX | bpfW | bpfMEM:
			if k >= bpfMemWords {
				return errBadBPF
			}
		default:
			return errBadBPF
		}
	case bpfST, bpfSTX:
		if op&^0x07 != 0 || k >= bpfMemWords {
			return errBadBPF
		}
	case bpfALU:
		aop := op & 0xf0
		if aop > aluXOR || (aop == aluNEG && op&bpfX != 0) {
			return errBadBPF
		}
		if (aop == aluDIV || aop == aluMOD) && op&bpfX == 0 && k == 0 {
			return errBadBPF
		}
	case bpfJMP:
		return checkJump(pc, n, in)
	case bpfRET:
		if op != bpfRET|bpfIMM && op != bpfRET|bpfA {
			return errBadBPF
		}
	case bpfMISC:
		if op != bpfMISC && op != bpfMISC|0x80 {
			return errBadBPF
		}
	}
	return nil
}

// checkJump checks that a jump stays inside the program.
func checkJump(pc, n int, in netlink.BPFInstruction) error {
	jop := in.Op & 0xf0
	if jop > jmpJSET {
		return errBadBPF
	}
	if jop == jmpJA {
		if in.Op&bpfX != 0 || uint64(pc)+1+uint64(in.K) >= uint64(n) {
			return errBadBPF
		}
		return nil
	}
	if pc+1+int(in.Jt) >= n || pc+1+int(in.Jf) >= n {
		return errBadBPF
	}
	return nil
}

// runBPF runs a checked program over pkt and returns its verdict.
func runBPF(prog []netlink.BPFInstruction, pkt []byte) uint32 {
	var a, x uint32
	var mem [bpfMemWords]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		operand := in.K
		if in.Op&bpfX != 0 {
			operand = x
		}
		switch in.Op & 0x07 {
		case bpfLD:
			v, ok := bpfLoad(in, pkt, x, &mem)
			if !ok {
				return 0
			}
			a = v
		case bpfLDX:
			switch in.Op & 0xe0 {
			case bpfIMM:
				x = in.K
			case bpfMEM:
				x = mem[in.K]
			case bpfLEN:
				x = uint32(len(pkt))
			case bpfMSH:
				if uint64(in.K) >= uint64(len(pkt)) {
					return 0
				}
				x = 4 * uint32(pkt[in.K]&0x0f)
			}
		case bpfST:
			mem[in.K] = a
		case bpfSTX:
			mem[in.K] = x
		case bpfALU:
			v, ok := bpfALUOp(in.Op&0xf0, a, operand)
			if !ok {
				return 0
			}
			a = v
		case bpfJMP:
			pc += bpfJump(in, a, operand)
		case bpfRET:
			if in.Op&bpfA != 0 {
				return a
			}
			return in.K
		case bpfMISC:
			if in.Op&0x80 != 0 {
				a = x
			} else {
				x = a
			}
		}
	}
	return 0
}

// bpfLoad performs an LD instruction.
func bpfLoad(in netlink.BPFInstruction, pkt []byte, x uint32, mem *[bpfMemWords]uint32) (uint32, bool) {
	var off int64
	switch in.Op & 0xe0 {
	case bpfIMM:
		return in.K, true
	case bpfMEM:
		return mem[in.K], true
	case bpfLEN:
		return uint32(len(pkt)), true
	case bpfABS:
		off = int64(int32(in.K))
	case bpfIND:
		off = int64(int32(x + in.K))
	}
	size := int64(4)
	switch in.Op & 0x18 {
	case bpfH:
		size = 2
	case bpfB:
		size = 1
	}
	if off < 0 || off+size > int64(len(pkt)) {
		return 0, false
	}
	p := pkt[off : off+size]
	switch size {
	case 4:
		return binary.BigEndian.Uint32(p), true
	case 2:
		return uint32(binary.BigEndian.Uint16(p)), true
	}
	return uint32(p[0]), true
}

// bpfALUOp applies an ALU operation; a zero divisor fails.
func bpfALUOp(op uint16, a, v uint32) (uint32, bool) {
	switch op {
	case aluADD:
		return a + v, true
	case aluSUB:
		return a - v, true
	case aluMUL:
		return a * v, true
	case aluDIV:
		if v == 0 {
			return 0, false
		}
		return a / v, true
	case aluMOD:
		if v == 0 {
			return 0, false
		}
		return a % v, true
	case aluOR:
		return a | v, true
	case aluAND:
		return a & v, true
	case aluLSH:
		return a << (v & 31), true
	case aluRSH:
		return a >> (v & 31), true
	case aluNEG:
		return -a, true
	case aluXOR:
		return a ^ v, true
	}
	return 0, false
}

// bpfJump returns how many instructions a jump skips.
func bpfJump(in netlink.BPFInstruction, a, v uint32) int {
	var cond bool
	switch in.Op & 0xf0 {
	case jmpJA:
		return int(in.K)
	case jmpJEQ:
		cond = a == v
	case jmpJGT:
		cond = a > v
	case jmpJGE:
		cond = a >= v
	case jmpJSET:
		cond = a&v != 0
	}
	if cond {
		return int(in.Jt)
	}
	return int(in.Jf)
}
