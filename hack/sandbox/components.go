package sandbox

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Component names, in start order.
const (
	etcdName              = "etcd"
	registryPlainName     = "registry-plain"
	registryTLSName       = "registry-tls"
	apiServerName         = "kube-apiserver"
	controllerManagerName = "kube-controller-manager"
	schedulerName         = "kube-scheduler"
	kwokName              = "kwok"
	sourceControllerName  = "source-controller"
	kustomizeCtrlName     = "kustomize-controller"
)

// FakeNodeName is the kwok-managed Node that pods are scheduled to.
const FakeNodeName = "kwok-node-0"

// runtimeNamespace is where the Flux controllers expect their objects.
const runtimeNamespace = "flux-system"

func loopback(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func etcdSpec(l layout, p Ports) spec {
	client, peer := "http://"+loopback(p.EtcdClient), "http://"+loopback(p.EtcdPeer)
	return spec{name: etcdName, bin: l.tool("etcd"), args: []string{
		"--name=sandbox", "--data-dir=" + l.path("etcd"),
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=sandbox=" + peer, "--initial-cluster-state=new",
		"--unsafe-no-fsync", // a throwaway cluster: speed over durability
		"--log-level=warn",
	}}
}

func registrySpec(l layout, name string) spec {
	return spec{name: name, bin: l.tool("registry"),
		args: []string{"serve", l.path("registry", name+".yml")}}
}

func apiServerSpec(l layout, p Ports) spec {
	return spec{name: apiServerName, bin: l.tool("kube-apiserver"), args: []string{
		"--etcd-servers=http://" + loopback(p.EtcdClient),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.APIServer),
		"--cert-dir=" + l.path("apiserver"),
		"--tls-cert-file=" + l.pki("apiserver.crt"), "--tls-private-key-file=" + l.pki("apiserver.key"),
		"--client-ca-file=" + l.pki("ca.crt"),
		"--token-auth-file=" + l.pki("tokens.csv"),
		"--authorization-mode=Node,RBAC",
		"--service-account-key-file=" + l.pki("sa.pub"),
		"--service-account-signing-key-file=" + l.pki("sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		// No token controller mounts tokens into kwok's fake pods.
		"--disable-admission-plugins=ServiceAccount",
		"--service-cluster-ip-range=10.96.0.0/16",
		// A loopback address is not a valid Endpoints IP: skip the
		// kubernetes Service endpoints instead of logging errors forever.
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
	}}
}

func controllerManagerSpec(l layout, p Ports) spec {
	return spec{name: controllerManagerName, bin: l.tool("kube-controller-manager"), args: []string{
		"--kubeconfig=" + l.kubeconfigPath(),
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(p.ControllerManager),
		"--cert-dir=" + l.path("controller-manager"),
		"--leader-elect=false",
		"--service-account-private-key-file=" + l.pki("sa.key"),
		"--root-ca-file=" + l.pki("ca.crt"),
		"--cluster-signing-cert-file=" + l.pki("ca.crt"),
		"--cluster-signing-key-file=" + l.pki("ca.key"),
	}}
}

func schedulerSpec(l layout, p Ports) spec {
	return spec{name: schedulerName, bin: l.tool("kube-scheduler"), args: []string{
		"--kubeconfig=" + l.kubeconfigPath(),
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(p.Scheduler),
		"--cert-dir=" + l.path("scheduler"),
		"--leader-elect=false",
	}}
}

func kwokSpec(l layout) spec {
	args := []string{
		"--kubeconfig=" + l.kubeconfigPath(),
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		// Without a lease the node lifecycle controller marks every pod
		// NotReady after ~45 s and Deployments lose Available.
		"--node-lease-duration-seconds=40",
		"--node-ip=127.0.0.1",
	}
	stages, _ := filepath.Glob(filepath.Join(l.tool("kwok-stages"), "*.yaml"))
	for _, s := range stages {
		args = append(args, "--config="+s)
	}
	return spec{name: kwokName, bin: l.tool("kwok"), args: args}
}

// fluxEnv points a Flux controller at the sandbox as if it ran in-cluster.
func fluxEnv(l layout) []string {
	return []string{"KUBECONFIG=" + l.kubeconfigPath(), "RUNTIME_NAMESPACE=" + runtimeNamespace}
}

func fluxCommonArgs(metrics, health int) []string {
	return []string{
		"--metrics-addr=" + loopback(metrics), "--health-addr=" + loopback(health),
		"--enable-leader-election=false", "--watch-all-namespaces=true",
		"--events-addr=", // no notification-controller in the sandbox
		"--log-encoding=console",
	}
}

func sourceControllerSpec(l layout, p Ports) spec {
	args := append(fluxCommonArgs(p.SourceMetrics, p.SourceHealth),
		"--storage-path="+l.path("source-controller", "storage"),
		"--storage-addr="+loopback(p.SourceStorage),
		// kustomize-controller runs on this host, so it fetches artifacts
		// from the loopback address instead of a Service.
		"--storage-adv-addr="+loopback(p.SourceStorage),
	)
	return spec{name: sourceControllerName, bin: l.tool("source-controller"), args: args,
		env: fluxEnv(l), supervised: true}
}

func kustomizeControllerSpec(l layout, p Ports) spec {
	return spec{name: kustomizeCtrlName, bin: l.tool("kustomize-controller"),
		args: fluxCommonArgs(p.KustomizeMetrics, p.KustomizeHealth), env: fluxEnv(l), supervised: true}
}

// componentSpec rebuilds how `up` ran component name: the same binary,
// ports, config and data dir, so StartComponent brings back the same service.
func componentSpec(l layout, p Ports, name string) (spec, error) {
	switch name {
	case etcdName:
		return etcdSpec(l, p), nil
	case registryPlainName, registryTLSName:
		return registrySpec(l, name), nil
	case apiServerName:
		return apiServerSpec(l, p), nil
	case controllerManagerName:
		return controllerManagerSpec(l, p), nil
	case schedulerName:
		return schedulerSpec(l, p), nil
	case kwokName:
		return kwokSpec(l), nil
	case sourceControllerName:
		return sourceControllerSpec(l, p), nil
	case kustomizeCtrlName:
		return kustomizeControllerSpec(l, p), nil
	}
	return spec{}, fmt.Errorf("unknown sandbox component %q", name)
}

// componentPorts says which ports each component listens on, for `status`.
func componentPorts(name string, p Ports) []int {
	switch name {
	case etcdName:
		return []int{p.EtcdClient, p.EtcdPeer}
	case registryPlainName:
		return []int{p.RegistryPlain}
	case registryTLSName:
		return []int{p.RegistryTLS}
	case apiServerName:
		return []int{p.APIServer}
	case controllerManagerName:
		return []int{p.ControllerManager}
	case schedulerName:
		return []int{p.Scheduler}
	case sourceControllerName:
		return []int{p.SourceStorage, p.SourceMetrics, p.SourceHealth}
	case kustomizeCtrlName:
		return []int{p.KustomizeMetrics, p.KustomizeHealth}
	}
	return nil
}

func portsText(ports []int) string {
	if len(ports) == 0 {
		return "-"
	}
	s := ""
	for i, port := range ports {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(port)
	}
	return s
}
