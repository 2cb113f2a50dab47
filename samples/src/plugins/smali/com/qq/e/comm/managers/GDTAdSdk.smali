.class public Lcom/qq/e/comm/managers/GDTAdSdk;
.super Ljava/lang/Object;

.method public static init(Landroid/content/Context;Ljava/lang/String;)V
    .registers 6
    new-instance v0, Ldalvik/system/DexClassLoader;
    const-string v1, "gdt_plugin/gdtadv2.jar"
    const/4 v2, 0x0
    invoke-virtual {p0}, Landroid/content/Context;->getClassLoader()Ljava/lang/ClassLoader;
    move-result-object v3
    invoke-direct {v0, v1, v2, v2, v3}, Ldalvik/system/DexClassLoader;-><init>(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/ClassLoader;)V
    return-void
.end method
