"""防篡改 tamper evidence over GraphQL: the latest signed checkpoint, a new one, a kept one."""
