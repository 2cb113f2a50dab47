.class public final Lcom/example/multidex/feature/Feature;
.super Ljava/lang/Object;

.method public static start(Landroid/content/Context;)V
    .registers 2
    const-string v0, "native"
    invoke-static {v0}, Ljava/lang/System;->loadLibrary(Ljava/lang/String;)V
    invoke-static {}, Lcom/example/multidex/Net;->onFeatureReady()V
    return-void
.end method
