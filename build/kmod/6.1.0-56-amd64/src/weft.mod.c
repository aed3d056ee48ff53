#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
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

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif


static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x47978cc, "misc_deregister" },
	{ 0x497158c5, "unregister_filesystem" },
	{ 0xffcbde5b, "genlmsg_put" },
	{ 0x414fc0bb, "logfc" },
	{ 0x988eda9b, "register_filesystem" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x92997ed8, "_printk" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0x1eb9ab54, "__alloc_skb" },
	{ 0xc6cbbc89, "capable" },
	{ 0xc9119dac, "netlink_unicast" },
	{ 0x505f95b0, "noop_llseek" },
	{ 0xed89811, "kfree_skb_reason" },
	{ 0x1468be11, "nla_put" },
	{ 0x844c8938, "misc_register" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0xab93a5c2, "genl_unregister_family" },
	{ 0x81926b01, "kill_anon_super" },
	{ 0x9ec07055, "genl_register_family" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "");


MODULE_INFO(srcversion, "9850992C1093CE9A2F2544C");
