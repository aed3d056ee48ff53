#include <linux/module.h>
#include <linux/export-internal.h>
#include <linux/compiler.h>

MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};



static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0xb4a6b8ed, "logfc" },
	{ 0x3a2afd51, "register_filesystem" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x122c3a7e, "_printk" },
	{ 0xf0fdf6cb, "__stack_chk_fail" },
	{ 0xdc3eabd6, "__alloc_skb" },
	{ 0xc6cbbc89, "capable" },
	{ 0x2ce3dbe0, "sk_skb_reason_drop" },
	{ 0x8530414a, "netlink_unicast" },
	{ 0x312bf79a, "noop_llseek" },
	{ 0xeb03e162, "nla_put" },
	{ 0x8f0b1b34, "misc_register" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0x34424780, "genl_unregister_family" },
	{ 0xfcf7c051, "kill_anon_super" },
	{ 0x6ae3231a, "genl_register_family" },
	{ 0xc37da9a3, "misc_deregister" },
	{ 0xb07e6bb5, "unregister_filesystem" },
	{ 0xf80cfe1, "genlmsg_put" },
	{ 0x2f9b2b9a, "module_layout" },
};

MODULE_INFO(depends, "");


MODULE_INFO(srcversion, "DBCD29B901B0ABD35A4390D");
