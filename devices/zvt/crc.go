package zvt

// Serial framing bytes.
const (
	DLE = 0x10
	STX = 0x02
	ETX = 0x03
	ACK = 0x06
	NAK = 0x15
)

// CRC is the ZVT serial checksum: CRC-16 with the polynomial 0x1021 reflected
// (0x8408), initial value 0, no final XOR (CRC-16/KERMIT), taken over the
// unstuffed APDU followed by ETX. It is sent low byte first.
func CRC(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// EncodeFrame wraps an encoded APDU for the serial line: DLE STX, the APDU
// with every DLE doubled, DLE ETX, and the CRC of APDU+ETX, low byte first.
func EncodeFrame(apdu []byte) []byte {
	out := make([]byte, 0, len(apdu)+8)
	out = append(out, DLE, STX)
	for _, c := range apdu {
		if c == DLE {
			out = append(out, DLE)
		}
		out = append(out, c)
	}
	crc := CRC(append(append(make([]byte, 0, len(apdu)+1), apdu...), ETX))
	return append(out, DLE, ETX, byte(crc), byte(crc>>8))
}
