package bench

import "syscall"

// fsType names the file system under path when it matters here ("tmpfs"),
// "disk" otherwise, "" when it cannot tell.
func fsType(path string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return ""
	}
	const tmpfsMagic = 0x01021994
	if st.Type == tmpfsMagic {
		return "tmpfs"
	}
	return "disk"
}
