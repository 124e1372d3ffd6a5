attach-interface test bridge br0 --target vnet3 --mac 52:54:00:aa:bb:cc --script /bin/true --model virtio --alias ua-net --inbound 100,200,300,50 --outbound 200 --managed --print-xml
