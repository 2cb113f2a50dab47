.class public final Lcom/example/sdks/umeng/Helper;
.super Ljava/lang/Object;

.method public static log()V
    .registers 0
    return-void
.end method
