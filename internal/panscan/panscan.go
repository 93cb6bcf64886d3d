// Package panscan finds and masks what looks like a full card number (PAN):
// the lane masks the text a card terminal sends, and the tests look for any
// card number in the lane's database and logs, which must never hold one.
package panscan

// Find returns each run of 15 to 19 digits, alone or split by single spaces
// or dashes, that starts with a payment card's major industry digit (2 to 6:
// Mastercard 2- and 5-series, Amex, JCB and Diners 3, Visa 4, Discover,
// Maestro and UnionPay 6) and passes the Luhn check: the shape of a full card
// number. (The lane's 16-digit transaction ids start with the store number,
// which starts with 0 in the tests.)
// (Shorter runs are left alone: 13- and 14-digit runs are GTINs, whose check
// digit passes Luhn one time in ten.) Masked numbers (digits replaced by '*'
// or 'E') are not found, which is the point of masking.
func Find(b []byte) []string {
	var out []string
	for i := 0; i < len(b); {
		if !isDigit(b[i]) || (i > 0 && (isDigit(b[i-1]) || isSep(b[i-1]) && i > 1 && isDigit(b[i-2]))) {
			i++
			continue
		}
		var digits []byte
		j := i
		for j < len(b) {
			if isDigit(b[j]) {
				digits = append(digits, b[j])
				j++
				continue
			}
			if isSep(b[j]) && j+1 < len(b) && isDigit(b[j+1]) && len(digits) > 0 {
				j++
				continue
			}
			break
		}
		if n := len(digits); n >= 15 && n <= 19 && digits[0] >= '2' && digits[0] <= '6' && luhn(digits) {
			out = append(out, string(digits))
		}
		i = j
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSep(c byte) bool   { return c == ' ' || c == '-' }

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// Mask returns s with every run of 13 to 19 digits (alone or split by single
// spaces or dashes) that passes the Luhn check masked to its first 6 and last
// 4 digits, as PCI DSS allows a card number to be shown. It is for text a
// card terminal sends (its receipt lines), which the lane keeps and prints.
func Mask(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		if !isDigit(b[i]) || (i > 0 && isDigit(b[i-1])) {
			i++
			continue
		}
		var pos []int // positions of the run's digits
		j := i
		for j < len(b) {
			if isDigit(b[j]) {
				pos = append(pos, j)
				j++
				continue
			}
			if isSep(b[j]) && j+1 < len(b) && isDigit(b[j+1]) && len(pos) > 0 {
				j++
				continue
			}
			break
		}
		if n := len(pos); n >= 13 && n <= 19 {
			digits := make([]byte, n)
			for k, p := range pos {
				digits[k] = b[p]
			}
			if luhn(digits) {
				for k := 6; k < n-4; k++ {
					b[pos[k]] = '*'
				}
			}
		}
		i = j
	}
	return string(b)
}
