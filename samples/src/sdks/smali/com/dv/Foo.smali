.class public final Lcom/dv/Foo;
.super Ljava/lang/Object;

.method public static bar()V
    .registers 0
    return-void
.end method
