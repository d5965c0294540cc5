package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// nginxBinary finds Debian's nginx (/usr/sbin is not on every user's PATH).
func nginxBinary() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat("/usr/sbin/nginx"); err == nil && !fi.IsDir() {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("nginx is not installed (bench/run.sh installs Debian's package; or run with -streams 0)")
}

// nginxVersion is what nginx -v says ("nginx/1.22.1").
func nginxVersion(bin string) string {
	out, err := exec.Command(bin, "-v").CombinedOutput()
	if err != nil {
		return "nginx (version unknown)"
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: ")
}

// startNginx runs nginx on a free 127.0.0.1 port with a configuration of
// its own in dir (nothing of the system's is read or touched), serving
// the files of root: as Debian configures it (sendfile, tcp_nopush, one
// worker per CPU, an access log), in the foreground so that regbench
// holds its master process. It returns the base URL.
func startNginx(ctx context.Context, bin, dir, root string) (*child, string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "temp"), 0o750); err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise run as nobody, who may not read the
		// server's data directory.
		user = "user root;"
	}
	t := func(name string) string { return filepath.Join(dir, "temp", name) }
	conf := fmt.Sprintf(`# regbench's nginx: the recording measure's baseline.
%s
worker_processes auto;
daemon off;
pid %s;
error_log %s warn;
events { worker_connections 1024; }
http {
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types { video/mp4 mp4; }
    default_type application/octet-stream;
    access_log %s;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    server {
        listen %s;
        root %s;
    }
}
`, user, filepath.Join(dir, "nginx.pid"), filepath.Join(dir, "nginx-error.log"), filepath.Join(dir, "nginx-access.log"),
		t("body"), t("proxy"), t("fastcgi"), t("uwsgi"), t("scgi"), addr, root)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o640); err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "nginx-error.log"))
	c, err := startChild("nginx", cmd, filepath.Join(dir, "nginx.out"))
	if err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	client := keepAliveClient(1)
	defer client.CloseIdleConnections()
	// Any answer will do: nginx listens.
	if err := waitAnswer(ctx, client, base+"/", c.exited, 0); err != nil {
		c.stop()
		return nil, "", fmt.Errorf("nginx: %w\n%s%s", err, tailFile(filepath.Join(dir, "nginx.out"), 2000), tailFile(filepath.Join(dir, "nginx-error.log"), 2000))
	}
	return c, base, nil
}
