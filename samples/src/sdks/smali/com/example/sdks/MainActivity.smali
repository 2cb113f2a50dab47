.class public Lcom/example/sdks/MainActivity;
.super Landroid/app/Activity;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    invoke-static {p0}, Lcom/umeng/commonsdk/UMConfigure;->init(Landroid/content/Context;)V
    invoke-static {p0}, Lcn/jpush/android/api/JPushInterface;->init(Landroid/content/Context;)V
    const-string v0, "1101152570"
    invoke-static {p0, v0}, Lcom/qq/e/comm/managers/GDTAdSdk;->init(Landroid/content/Context;Ljava/lang/String;)V
    invoke-static {}, Lcom/igexin/sdk/PushManager;->getInstance()Lcom/igexin/sdk/PushManager;
    move-result-object v0
    invoke-virtual {v0, p0}, Lcom/igexin/sdk/PushManager;->initialize(Landroid/content/Context;)V
    new-instance v0, Lcom/baidu/location/LocationClient;
    invoke-direct {v0, p0}, Lcom/baidu/location/LocationClient;-><init>(Landroid/content/Context;)V
    invoke-virtual {v0}, Lcom/baidu/location/LocationClient;->start()V
    invoke-static {}, Lcom/example/sdks/umeng/Helper;->log()V
    invoke-static {}, Lcom/dv/Foo;->bar()V
    invoke-static {p0}, Lcom/example/sdks/DeviceUtil;->reflectDeviceId(Landroid/content/Context;)Ljava/lang/Object;
    return-void
.end method
